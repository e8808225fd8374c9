import { Dexie } from 'dexie';
import { addDays, type DayOf } from './day.js';
import { applyRollupDeltas, deltaOf, type RollupDelta } from './month-rollups.js';
import { removeVisitRollups } from './rollup-upkeep.js';
import { type DailyRollup, type StoredVisit, type TracksphereDb, visitTables } from './schema.js';

const DAY_MS = 86_400_000;
/** A local day is at most 26 hours long and starts within 14 hours of UTC midnight. */
const DAY_MARGIN_MS = 2 * DAY_MS;

/** What to erase: visits matching every field given (at least one). */
export interface HistoryEraseFilter {
  /** A site (registrable domain) or a host: it and every host under it (domainMatches). */
  domain?: string;
  /** Visits that started at or after this instant (ms since the epoch). */
  fromMs?: number;
  /** Visits that started before this instant. */
  toMs?: number;
}

/**
 * Whether a host falls under an erase's domain: the host itself or a host under it, as
 * DELETE /api/v1/me/visits matches (here, not from #protocol: that would bring zod into pages).
 */
export function domainMatches(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

export interface HistoryEraseResult {
  /** Raw visits deleted, whatever their sync state (those still in the outbox never leave). */
  visits: number;
  /** Rollup rows deleted whole. */
  rollupsDeleted: number;
  /** Rollup rows recomputed from the visits that remain. */
  rollupsRecomputed: number;
}

function cellKey(day: string, domain: string): string {
  return `${day}\u0000${domain}`;
}

/**
 * Erases the visits matching `filter` and recomputes the daily rollups it touches from the
 * visits left, in one transaction, so every figure agrees with the visits. The touched
 * rollups are those of matching hosts on the days the range reaches (every day without a
 * range); a day is `dayOf` of a visit's start, as recordFinishedVisits counts it. The
 * heatmap's and the pages' rollups lose exactly the erased visits (rollup-upkeep.ts).
 *
 * Rollups outlive raw visits (local retention), and the recomputation is what forgets them:
 * - a site erased: its rollups go on every day, those whose visits were pruned included;
 * - whole days erased: every rollup of those days goes, for all sites;
 * - a range that starts or ends inside a day: that day's touched rollups become the sum of
 *   the visits still there. Where some of that day's visits were already pruned, nobody can
 *   tell which of them fell inside the range, so they are forgotten with it: erasing errs
 *   on the side of forgetting, never keeps a figure without its visits.
 */
export async function eraseHistory(
  db: TracksphereDb,
  filter: HistoryEraseFilter,
  dayOf: DayOf,
): Promise<HistoryEraseResult> {
  const { domain, fromMs, toMs } = filter;
  if (domain === undefined && fromMs === undefined && toMs === undefined) {
    throw new Error('Say what to erase: a site, a time range, or both.');
  }
  if (fromMs !== undefined && toMs !== undefined && !(fromMs < toMs)) {
    throw new Error('The end of the range must be after its start.');
  }
  const hostMatches = (host: string): boolean =>
    domain === undefined || domainMatches(host, domain);
  const inRange = (ms: number): boolean =>
    (fromMs === undefined || ms >= fromMs) && (toMs === undefined || ms < toMs);
  const ranged = fromMs !== undefined || toMs !== undefined;

  const tables = visitTables(db);
  return db.transaction('rw', tables, async () => {
    // The raw visits of every day the range reaches into (a margin either side), or all.
    const nearby: StoredVisit[] = ranged
      ? await db.visits
          .where('startedMs')
          .between(
            fromMs === undefined ? -Infinity : fromMs - DAY_MARGIN_MS,
            toMs === undefined ? Infinity : toMs + DAY_MARGIN_MS,
            true,
            true,
          )
          .toArray()
      : await db.visits.toArray();
    const candidates = nearby.filter((v) => hostMatches(v.domain));
    const erased = candidates.filter((v) => inRange(v.startedMs));
    if (erased.length > 0) await db.visits.bulkDelete(erased.map((v) => v.id));
    // The candidates hold every visit of the erased visits' host-days (the margin above).
    const erasedIds = new Set(erased.map((v) => v.id));
    await removeVisitRollups(
      db,
      erased,
      candidates.filter((v) => !erasedIds.has(v.id)),
      dayOf,
    );

    // The rollups the erase touches: of matching hosts, on the days the range reaches.
    let rollups: DailyRollup[];
    let firstDay: string | undefined;
    let lastDay: string | undefined;
    if (ranged) {
      firstDay = fromMs === undefined ? undefined : dayOf(fromMs);
      lastDay = toMs === undefined ? undefined : dayOf(toMs - 1);
      // An open end is an open range, not Dexie.maxKey (an array) twice in one key: IndexedDB's
      // key conversion, as specified and in fake-indexeddb, refuses an array met twice in a key
      // as if it were a cycle (DataError).
      const byDay = db.dailyRollups.where('[day+domain]');
      const touched =
        lastDay === undefined
          ? byDay.aboveOrEqual([firstDay, Dexie.minKey])
          : firstDay === undefined
            ? byDay.belowOrEqual([lastDay, Dexie.maxKey])
            : byDay.between([firstDay, Dexie.minKey], [lastDay, Dexie.maxKey], true, true);
      rollups = await touched.toArray();
    } else {
      rollups = await db.dailyRollups.toArray();
    }
    rollups = rollups.filter((r) => hostMatches(r.domain));

    // Each touched rollup becomes what the visits left on its day add up to.
    const left = new Map<string, { activeMs: number; visits: number }>();
    for (const v of candidates) {
      if (erasedIds.has(v.id)) continue;
      const key = cellKey(dayOf(v.startedMs), v.domain);
      const cell = left.get(key) ?? { activeMs: 0, visits: 0 };
      cell.activeMs += v.activeMs;
      cell.visits += 1;
      left.set(key, cell);
    }
    const toDelete: [string, string][] = [];
    const toPut: DailyRollup[] = [];
    const deltas: RollupDelta[] = [];
    for (const r of rollups) {
      const cell = left.get(cellKey(r.day, r.domain));
      if (cell === undefined) {
        toDelete.push([r.day, r.domain]);
        deltas.push(deltaOf(r, null));
      } else if (cell.visits !== r.visits || cell.activeMs !== r.activeMs) {
        toPut.push({ ...r, ...cell });
        deltas.push(deltaOf(r, { ...r, ...cell }));
      }
    }
    if (toDelete.length > 0) await db.dailyRollups.bulkDelete(toDelete);
    if (toPut.length > 0) await db.dailyRollups.bulkPut(toPut);
    // The months' and days' sums lose what the daily rollups lost (month-rollups.ts).
    await applyRollupDeltas(db, deltas);
    return {
      visits: erased.length,
      rollupsDeleted: toDelete.length,
      rollupsRecomputed: toPut.length,
    };
  });
}

/** The local days from `fromDay` to `toDay` (inclusive) as instants: [first midnight, midnight after the last). */
export function daysToRange(
  fromDay: string,
  toDay: string,
  startOfDay: (day: string) => number,
): { fromMs: number; toMs: number } {
  return { fromMs: startOfDay(fromDay), toMs: startOfDay(addDays(toDay, 1)) };
}

/** Midnight of a 'YYYY-MM-DD' day in the browser's own zone (what localDayOf counts in). */
export function localStartOfDay(day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d).getTime();
}
