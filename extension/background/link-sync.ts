/**
 * All my browsers in the background: the link calls the options page asks for, and the
 * combined summary, cached in the extension's database (db/summary-store.ts) so pages show it
 * before (and without) the network.
 */
import type { LinkCode, LinkState, Summary } from '#protocol';
import {
  type CachedSummaryRange,
  cachedSummaryRanges,
  cachedSummaryRows,
  clearCachedSummaries,
  storeCachedSummary,
  summaryRangeId,
  type TracksphereDb,
} from '../db/index.js';
import type { AllBrowsersReply, SummaryRange } from '../messaging/protocol.js';
import { dropStorageLocalSummaries, syncConfigItem } from '../settings/index.js';
import {
  type CachedRangeSummary,
  cachedSummaryFor,
  mergeSummary,
  narrowSummary,
  sinceCandidate,
  supersedes,
  withCachedSummary,
} from '../stats/summary-cache.js';
import {
  type ApiError,
  createLinkCode,
  type FetchLike,
  fetchLinkState,
  fetchSummary,
  linkWithCode,
  unlinkDevice,
} from '../sync/index.js';

export interface LinkRuntime {
  fetch: FetchLike;
  now(): number;
  /** Where the summaries are cached. */
  readonly db: TracksphereDb;
}

/**
 * How many times this worker forgot the summaries: an answer asked for before a forgetting (an
 * unlink, an erase) and received after it is shown to no one and not cached.
 */
let forgotten = 0;

/**
 * Forgets every cached summary of the linked browsers: after a change of them, an erase, a
 * reset of the credentials; the copies storage.local kept before schema version 10 too.
 */
export async function forgetAllBrowsersSummaries(db: TracksphereDb): Promise<void> {
  forgotten += 1;
  await Promise.all([clearCachedSummaries(db), dropStorageLocalSummaries()]);
}

/**
 * The cached summary's rows from `from` to `to`, under its own head, read in one transaction with
 * the head: null when the entry was replaced or dropped since `entry` was read.
 */
async function readCached(
  db: TracksphereDb,
  entry: CachedSummaryRange,
  from: string,
  to: string,
): Promise<CachedRangeSummary | null> {
  return db.transaction('r', db.summaryRanges, db.summaryDays, async () => {
    const head = await db.summaryRanges.get(entry.id);
    if (
      head === undefined ||
      head.fetchedAt !== entry.fetchedAt ||
      head.summary.cursor !== entry.summary.cursor
    )
      return null;
    const rows = await cachedSummaryRows(db, entry.id, from, to);
    return { summary: { ...head.summary, rows }, fetchedAt: head.fetchedAt };
  });
}

function isError(value: object): value is ApiError {
  return 'code' in value && 'status' in value && 'message' in value;
}

/** The server's error as a thrown Error whose message starts with its code (pages word it). */
function fail(error: ApiError): never {
  throw new Error(`${error.code}: ${error.message}`);
}

async function tokenDeps(rt: LinkRuntime) {
  const config = await syncConfigItem.getValue();
  if (config.serverUrl === null || config.token === null) {
    throw new Error('not_registered: This browser is not registered with a server.');
  }
  return { fetch: rt.fetch, baseUrl: config.serverUrl, token: config.token };
}

export interface LinkHandlers {
  createLinkCode(): Promise<LinkCode>;
  linkWithCode(data: { code: string }): Promise<LinkState>;
  getLinkState(): Promise<LinkState>;
  unlink(data: { deviceId?: string }): Promise<LinkState>;
  getAllBrowsersSummary(data: SummaryRange & { refresh: boolean }): Promise<AllBrowsersReply>;
}

export function createLinkHandlers(rt: LinkRuntime): LinkHandlers {
  /** After a change of the linked browsers the cached figures may count the wrong ones. */
  const afterLinkChange = async (state: LinkState): Promise<LinkState> => {
    await forgetAllBrowsersSummaries(rt.db);
    return state;
  };
  /**
   * The summaries storage.local kept before schema version 10 are removed on this worker's first
   * look at the cache (every path that wrote them comes here), so they stop using its quota.
   */
  let storageLocalDropped: Promise<void> | null = null;
  return {
    async createLinkCode() {
      const answer = await createLinkCode(await tokenDeps(rt));
      return isError(answer) ? fail(answer) : answer;
    },
    async linkWithCode({ code }) {
      const answer = await linkWithCode(await tokenDeps(rt), code);
      return isError(answer) ? fail(answer) : afterLinkChange(answer);
    },
    async getLinkState() {
      const answer = await fetchLinkState(await tokenDeps(rt));
      return isError(answer) ? fail(answer) : answer;
    },
    async unlink({ deviceId }) {
      const answer = await unlinkDevice(await tokenDeps(rt), deviceId);
      return isError(answer) ? fail(answer) : afterLinkChange(answer);
    },
    /**
     * The cached summary when it covers the range; with `refresh`, the server's answer first
     * (a short timeout): a failure keeps the cached one and says why in `error`.
     */
    async getAllBrowsersSummary({ refresh, ...range }) {
      const { db } = rt;
      storageLocalDropped ??= dropStorageLocalSummaries().catch((error) => {
        console.warn('[link-sync] storage.local kept its old summaries', error);
      });
      const asked = forgotten;
      const [config, entries] = await Promise.all([
        syncConfigItem.getValue(),
        cachedSummaryRanges(db),
        storageLocalDropped,
      ]);
      const deviceId = config.deviceId;
      // The newest summary covering the range, read for the range's days alone.
      const shown = cachedSummaryFor(entries, range, rt.now());
      const readShown = async (): Promise<CachedRangeSummary | null> => {
        if (shown === null || forgotten !== asked) return null;
        const read = await readCached(db, shown, range.from, range.to);
        if (read === null) return null;
        return { summary: narrowSummary(read.summary, range), fetchedAt: read.fetchedAt };
      };
      // Credentials forgotten (a clearing that did not finish): nothing of the others is shown.
      if (config.token === null) {
        if (entries.length > 0) await forgetAllBrowsersSummaries(db);
        return { deviceId, cached: null, error: null };
      }
      if (!refresh || config.serverUrl === null) {
        return { deviceId, cached: await readShown(), error: null };
      }
      // A cached answer of this range, or of the one overlapping it most (yesterday's year, say),
      // asks only for the days changed since it and the days it lacks.
      const base = sinceCandidate(entries, range, rt.now());
      const deps = { fetch: rt.fetch, baseUrl: config.serverUrl, token: config.token };
      let answer = await fetchSummary(deps, { ...range, since: base?.summary.cursor });
      if (isError(answer)) return { deviceId, cached: await readShown(), error: answer.code };
      let summary: Summary | null = answer;
      /** The cached summary the answer replaces once merged into it (yesterday's year, say). */
      let mergedInto: string | null = null;
      /** The same range's cached summary, and the days the answer changes in it. */
      let unchangedBut: { fetchedAt: number; cursor?: string; dates: Set<string> } | undefined;
      if (answer.complete === false) {
        if (base !== null && supersedes(answer, base.summary)) mergedInto = base.id;
        if (base !== null && base.id === summaryRangeId(answer)) {
          const dates = [...(answer.changed ?? []), ...answer.rows].map((c) => c.date);
          unchangedBut = {
            fetchedAt: base.fetchedAt,
            cursor: base.summary.cursor,
            dates: new Set(dates),
          };
        }
        // Only the cached days the answer's range keeps are merged.
        const cachedBase =
          base === null ? null : (await readCached(db, base, answer.from, answer.to))?.summary;
        summary = cachedBase === undefined ? null : mergeSummary(cachedBase, answer);
      }
      if (summary === null) {
        // An incremental answer for a cache this one is not (never expected): the whole range.
        answer = await fetchSummary(deps, range);
        if (isError(answer)) return { deviceId, cached: await readShown(), error: answer.code };
        summary = answer;
        mergedInto = null;
        unchangedBut = undefined;
      }
      // Forgotten meanwhile: the answer may count browsers no longer linked, or erased figures.
      if (forgotten !== asked) return { deviceId, cached: null, error: null };
      const cached = { summary, fetchedAt: rt.now() };
      try {
        await storeCachedSummary(
          db,
          cached,
          (entries, received) =>
            withCachedSummary(
              entries.filter((entry) => entry.id !== mergedInto),
              received,
              rt.now(),
            ).map((entry) => entry.id),
          unchangedBut,
        );
      } catch (error) {
        // The database may refuse it (its quota, a disk full): the answer is shown uncached (the
        // next view asks for it whole) rather than lost.
        console.warn('[link-sync] the summary was not cached', error);
      }
      return { deviceId, cached, error: null };
    },
  };
}
