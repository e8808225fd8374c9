import { pruneVisits, type TracksphereDb } from '../db/index.js';
import { retentionDaysItem, syncConfigItem } from '../settings/index.js';

/**
 * Local retention: raw visits older than the person's setting go (never one
 * still waiting to be sent while sync is on); the daily rollups stay. Run on
 * the periodic sync alarm, so it costs no extra wake-up.
 */
export function createLocalRetention(
  db: TracksphereDb,
  now: () => number = Date.now,
): () => Promise<number> {
  return async () => {
    const [retentionDays, sync] = await Promise.all([
      retentionDaysItem.getValue(),
      syncConfigItem.getValue(),
    ]);
    return pruneVisits(db, { now: now(), retentionDays, syncEnabled: sync.enabled });
  };
}
