/**
 * All my browsers in the background: the link calls the options page asks for, and the
 * combined summary, cached in storage.local so pages show it before (and without) the network.
 */
import type { LinkCode, LinkState } from '#protocol';
import type { AllBrowsersReply, SummaryRange } from '../messaging/protocol.js';
import {
  allBrowsersRangesItem,
  allBrowsersSummaryItem,
  forgetAllBrowsersSummaries,
  syncConfigItem,
} from '../settings/index.js';
import {
  cachedSummaryFor,
  mergeSummary,
  sinceCandidate,
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

/** Whether the cached summary answers the range: the same zone, and its days cover it. */
export function summaryCovers(cached: AllBrowsersReply['cached'], range: SummaryRange): boolean {
  if (cached === null) return false;
  const { summary } = cached;
  return summary.tz === range.tz && summary.from <= range.from && summary.to >= range.to;
}

export function createLinkHandlers(rt: LinkRuntime): LinkHandlers {
  /** After a change of the linked browsers the cached figures may count the wrong ones. */
  const afterLinkChange = async (state: LinkState): Promise<LinkState> => {
    await forgetAllBrowsersSummaries();
    return state;
  };
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
      const [config, stored, ranges] = await Promise.all([
        syncConfigItem.getValue(),
        allBrowsersSummaryItem.getValue(),
        allBrowsersRangesItem.getValue(),
      ]);
      const deviceId = config.deviceId;
      // The last summary, or a past range's (the newer when both cover the range).
      const entries = stored === null ? ranges : [stored, ...ranges];
      let cached = cachedSummaryFor(entries, range, rt.now());
      if (!refresh || config.serverUrl === null || config.token === null) {
        return { deviceId, cached, error: null };
      }
      // A cached answer of this range, or of the one overlapping it most (yesterday's year, say),
      // asks only for the days changed since it and the days it lacks.
      const base = sinceCandidate(entries, range, rt.now());
      const deps = { fetch: rt.fetch, baseUrl: config.serverUrl, token: config.token };
      let answer = await fetchSummary(deps, { ...range, since: base?.summary.cursor });
      if (isError(answer)) return { deviceId, cached, error: answer.code };
      let summary = mergeSummary(base?.summary ?? null, answer);
      if (summary === null) {
        // An incremental answer for a cache this one is not (never expected): the whole range.
        answer = await fetchSummary(deps, range);
        if (isError(answer)) return { deviceId, cached, error: answer.code };
        summary = answer;
      }
      cached = { summary, fetchedAt: rt.now() };
      try {
        await Promise.all([
          allBrowsersSummaryItem.setValue(cached),
          allBrowsersRangesItem.setValue(withCachedSummary(ranges, cached, rt.now())),
        ]);
      } catch (error) {
        // Chrome's storage.local holds 10 MB, and a busy year of three browsers is about 22:
        // the answer is shown uncached (the next view asks for it whole) rather than lost.
        console.warn('[link-sync] the summary was not cached', error);
      }
      return { deviceId, cached, error: null };
    },
  };
}
