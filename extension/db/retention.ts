import type { TracksphereDb } from './schema.js';

const DAY_MS = 86_400_000;

export interface PruneOptions {
  now: number;
  retentionDays: number;
  syncEnabled: boolean;
}

/**
 * Deletes raw visits that started more than `retentionDays` ago. Rollups are
 * kept, so long-term stats survive. While sync is on, a pending visit is never
 * deleted, however old: it has not reached the server yet (guarantee 1). With
 * sync off the outbox is not going anywhere, so old pending visits go too.
 * Returns how many visits were deleted.
 */
export function pruneVisits(db: TracksphereDb, opts: PruneOptions): Promise<number> {
  const cutoff = opts.now - opts.retentionDays * DAY_MS;
  return db.visits
    .where('startedMs')
    .below(cutoff)
    .and((v) => !(opts.syncEnabled && v.syncState === 'pending'))
    .delete();
}
