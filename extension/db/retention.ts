import { type DayOf, localDayOf } from './day.js';
import { removeVisitRollups } from './rollup-upkeep.js';
import type { StoredVisit, TracksphereDb } from './schema.js';

const DAY_MS = 86_400_000;

export interface PruneOptions {
  now: number;
  retentionDays: number;
  syncEnabled: boolean;
  /** The local day of an instant, as the visits were recorded with (the browser's zone). */
  dayOf?: DayOf;
}

/**
 * Deletes raw visits that started more than `retentionDays` ago. The daily
 * rollups are kept, so long-term stats survive; the heatmap's and the pages'
 * rollups lose the deleted visits (they hold what the visits do, addresses
 * included). While sync is on, a pending visit is never deleted, however old:
 * it has not reached the server yet (guarantee 1). With sync off the outbox is
 * not going anywhere, so old pending visits go too. Returns how many visits
 * were deleted.
 */
export function pruneVisits(db: TracksphereDb, opts: PruneOptions): Promise<number> {
  const cutoff = opts.now - opts.retentionDays * DAY_MS;
  const dayOf = opts.dayOf ?? localDayOf;
  const tables = [
    db.visits,
    db.heatRollups,
    db.pageRollups,
    db.tailWindows,
    db.tailPages,
    db.heatWindows,
  ];
  return db.transaction('rw', tables, async () => {
    const old = await db.visits.where('startedMs').below(cutoff).toArray();
    const kept = (v: StoredVisit): boolean => opts.syncEnabled && v.syncState === 'pending';
    const pruned = old.filter((v) => !kept(v));
    if (pruned.length === 0) return 0;
    await db.visits.bulkDelete(pruned.map((v) => v.id));
    // Every visit still stored on the pruned visits' days: the pending ones kept, and those of
    // the cutoff's day (a local day is at most 26 hours long).
    const after = await db.visits
      .where('startedMs')
      .between(cutoff, cutoff + 2 * DAY_MS, true, false)
      .toArray();
    await removeVisitRollups(db, pruned, [...old.filter(kept), ...after], dayOf);
    return pruned.length;
  });
}
