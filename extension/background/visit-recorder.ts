import { type DayOf, localDayOf, recordFinishedVisits, type TracksphereDb } from '../db/index.js';
import { syncConfigItem } from '../settings/index.js';
import type { RecordVisits } from './tracker-service.js';

/**
 * Whether sync is on, read from storage once and then kept up to date by
 * watching it, instead of a storage.local.get per recorded visit. A change
 * is seen once storage.onChanged delivers it: a visit recorded in the moment
 * between a change's write and its delivery still gets the old setting (as a
 * visit finishing just before the change would).
 */
function syncEnabledWatcher(): () => Promise<boolean> {
  let enabled: Promise<boolean> | null = null;
  let watching = false;
  return () => {
    if (!watching) {
      watching = true;
      syncConfigItem.watch((config) => {
        enabled = Promise.resolve(config.enabled);
      });
    }
    if (enabled === null) {
      const read = syncConfigItem.getValue().then((config) => config.enabled);
      enabled = read;
      // A failed read is not kept: the next visit reads again.
      read.catch(() => {
        if (enabled === read) enabled = null;
      });
    }
    return enabled;
  };
}

/**
 * Records finished visits in the local database: into the outbox when sync is
 * on, kept local otherwise (nothing leaves the browser before the person
 * turns sync on). Days are the browser's local calendar days. `afterRecord`
 * runs after recordings made with sync on.
 */
export function createVisitRecorder(
  db: TracksphereDb,
  dayOf: DayOf = localDayOf,
  afterRecord?: () => Promise<void>,
): RecordVisits {
  const syncEnabled = syncEnabledWatcher();
  return async (visits) => {
    const enabled = await syncEnabled();
    await recordFinishedVisits(db, [...visits], { syncEnabled: enabled, dayOf });
    // Not awaited: a sync must not hold up the tracker's event queue.
    if (enabled && afterRecord !== undefined) void afterRecord().catch(() => undefined);
  };
}
