import type { VisitEvent } from '#protocol';
import {
  type DayOf,
  localDayOf,
  recordFinishedVisits,
  type TrackerStateRow,
  type TracksphereDb,
} from '../db/index.js';
import { syncConfigItem } from '../settings/index.js';

/**
 * Puts finished visits in the local database, and the tracker's state with them in the same
 * transaction when given (alone when there are no visits). Idempotent on visit id.
 */
export type RecordVisits = (
  visits: readonly VisitEvent[],
  trackerState?: TrackerStateRow,
) => Promise<void>;

/**
 * Whether sync is on. Only "off" is held in memory (watched in storage, so a
 * person without sync pays no storage.local.get per visit): while sync is on,
 * each visit reads the setting. A change reaches a watcher a moment after it
 * is written, and the two mistakes that moment allows are not alike: a stale
 * "off" keeps a visit local (the person can still send it), but a stale "on"
 * would queue a visit recorded after sync was turned off.
 */
function syncEnabledReader(): () => Promise<boolean> {
  let off: boolean | null = null;
  let changes = 0;
  let watching = false;
  return async () => {
    if (!watching) {
      watching = true;
      syncConfigItem.watch((config) => {
        off = !config.enabled;
        changes += 1;
      });
    }
    if (off === true) return false;
    const seen = changes;
    const { enabled } = await syncConfigItem.getValue();
    // A change delivered during the read is newer than what the read found.
    if (changes === seen) off = !enabled;
    return enabled;
  };
}

/**
 * Records finished visits in the local database: into the outbox when sync is
 * on, kept local otherwise (nothing leaves the browser before the person
 * turns sync on). Days are the browser's local calendar days. `afterRecord`
 * runs after recordings made with sync on. A save of the tracker's state alone
 * reads no setting.
 */
export function createVisitRecorder(
  db: TracksphereDb,
  dayOf: DayOf = localDayOf,
  afterRecord?: () => Promise<void>,
): RecordVisits {
  const syncEnabled = syncEnabledReader();
  return async (visits, trackerState) => {
    const enabled = visits.length > 0 && (await syncEnabled());
    await recordFinishedVisits(db, [...visits], {
      syncEnabled: enabled,
      dayOf,
      ...(trackerState === undefined ? {} : { trackerState }),
    });
    // Not awaited: a sync must not hold up the tracker's event queue.
    if (enabled && afterRecord !== undefined) void afterRecord().catch(() => undefined);
  };
}
