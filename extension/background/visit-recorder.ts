import { type DayOf, localDayOf, recordFinishedVisits, type TracksphereDb } from '../db/index.js';
import { syncConfigItem } from '../settings/index.js';
import type { RecordVisits } from './tracker-service.js';

/**
 * Records finished visits in the local database: into the outbox when sync is
 * on, kept local otherwise (nothing leaves the browser before the person
 * turns sync on). Days are the browser's local calendar days.
 */
export function createVisitRecorder(
  db: TracksphereDb,
  dayOf: DayOf = localDayOf,
  afterRecord?: () => Promise<void>,
): RecordVisits {
  return async (visits) => {
    const { enabled } = await syncConfigItem.getValue();
    await recordFinishedVisits(db, [...visits], { syncEnabled: enabled, dayOf });
    // Not awaited: a sync must not hold up the tracker's event queue.
    if (afterRecord !== undefined) void afterRecord().catch(() => undefined);
  };
}
