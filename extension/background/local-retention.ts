import { dropCachedSummariesBefore, pruneVisits, type TracksphereDb } from '../db/index.js';
import { dropStorageLocalSummaries, retentionDaysItem, syncConfigItem } from '../settings/index.js';
import { SUMMARY_CACHE_MAX_AGE_MS } from '../stats/summary-cache.js';

/**
 * Local retention: raw visits older than the person's setting go (never one
 * still waiting to be sent while sync is on); the daily rollups stay. The other
 * browsers' cached summaries go once older than SUMMARY_CACHE_MAX_AGE_MS, whether
 * or not a new one comes, and so do the summaries an earlier version kept in
 * storage.local. Run on the periodic sync alarm, so it costs no extra wake-up.
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
    const at = now();
    // Each on its own: a failure of one keeps neither the visits past retention nor the other
    // browsers' old summaries; the visits' failure is the one reported to the caller.
    const [pruned, ...dropped] = await Promise.allSettled([
      pruneVisits(db, { now: at, retentionDays, syncEnabled: sync.enabled }),
      dropCachedSummariesBefore(db, at - SUMMARY_CACHE_MAX_AGE_MS),
      dropStorageLocalSummaries(),
    ]);
    for (const d of dropped) {
      if (d.status === 'rejected') {
        console.error('[retention] cached summaries not dropped', d.reason);
      }
    }
    if (pruned.status === 'rejected') throw pruned.reason;
    return pruned.value;
  };
}
