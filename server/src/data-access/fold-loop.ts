import type { Logger } from '../logger.js';
import type { Pool } from './pool.js';
import { FOLD_INTERVAL_MS, foldRollupDeltas } from './rollup-fold.js';
import { refreshStudyDays } from './study-days.js';

/**
 * Every process that writes visits folds the per-domain deltas its writes append and makes the
 * Study days they changed again, also where another process does partition maintenance (the
 * consumer in compose). Returns the timer (unref'd) for the caller to clear on close.
 *
 * A pass that outlasts the interval (many Study days listed again, after an import or a change
 * of MIN_GROUP_DEVICES) is not joined by the next ticks: each would hold a pool connection
 * waiting on the pass's advisory lock, and the writers would run out of connections. A failed
 * fold does not stop the Study days' pass, nor the other way round.
 */
export function startFolding(
  pool: Pool,
  log: Logger,
  intervalMs = FOLD_INTERVAL_MS,
): NodeJS.Timeout {
  let folding = false;
  const fold = async (): Promise<void> => {
    if (folding) return;
    folding = true;
    try {
      await foldRollupDeltas(pool);
    } catch (err) {
      log.warn({ err }, 'folding the rollup deltas failed; will retry');
    }
    try {
      await refreshStudyDays(pool);
    } catch (err) {
      log.warn({ err }, 'making the changed Study days again failed; will retry');
    } finally {
      folding = false;
    }
  };
  const timer = setInterval(fold, intervalMs);
  timer.unref();
  return timer;
}
