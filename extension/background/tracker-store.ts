import { storage } from 'wxt/utils/storage';
import type { VisitEvent } from '#protocol';
import type { TracksphereDb } from '../db/index.js';
import { trackerStateItem, unrecordedVisitsItem } from '../settings/index.js';
import type { TrackerState } from '../tracker/index.js';
import type { RecordVisits } from './visit-recorder.js';

/** What the tracker keeps across worker restarts. */
export interface SavedTracker {
  state: TrackerState;
  /** Visits finished earlier that the database has not taken yet (a failed write). */
  unrecorded: VisitEvent[];
}

/** A saved tracker as read back: checked by the tracker service before it is used. */
export interface LoadedTracker {
  state: unknown;
  unrecorded: unknown;
}

export interface TrackerStore {
  /** The saved tracker; null when nothing is saved yet. */
  load(): Promise<LoadedTracker | null>;
  /**
   * Records `finished` (idempotent on visit id) and saves `saved` in one IndexedDB
   * transaction: both land or neither does. With no visits, it saves `saved` alone.
   */
  save(saved: SavedTracker, finished: readonly VisitEvent[]): Promise<void>;
}

/** The background's row in the database's trackerState table. */
export const TRACKER_STATE_KEY = 'tracker';

export interface TrackerStoreOptions {
  db: TracksphereDb;
  /** The visit recorder (visit-recorder.ts), which writes the state in the visits' transaction. */
  recordVisits: RecordVisits;
  key?: string;
}

/**
 * The tracker's state in the database's trackerState table (schema version 4), written with
 * the visits it finishes. Before version 4 it lived in storage.local (`trackerState`,
 * `unrecordedVisits`): the first load of a worker reads those items too, uses them while the
 * table has no row, and the first save that lands removes them, so the state moves over once
 * and an update loses no open visit.
 */
export function createTrackerStore(options: TrackerStoreOptions): TrackerStore {
  const { db, recordVisits } = options;
  const key = options.key ?? TRACKER_STATE_KEY;
  /** Whether storage.local still holds a state from before version 4, as last read. */
  let legacy = false;

  return {
    async load() {
      // In parallel: the storage.local read costs this worker no extra wait.
      const [row, [state, visits]] = await Promise.all([
        db.trackerState.get(key),
        storage.getItems([trackerStateItem, unrecordedVisitsItem]),
      ]);
      const oldState: unknown = state?.value;
      const oldVisits: unknown = visits?.value;
      legacy = oldState != null || (Array.isArray(oldVisits) && oldVisits.length > 0);
      if (row !== undefined) return { state: row.state, unrecorded: row.unrecorded };
      return legacy ? { state: oldState, unrecorded: oldVisits } : null;
    },
    async save(saved, finished) {
      await recordVisits(finished, { key, state: saved.state, unrecorded: saved.unrecorded });
      if (!legacy) return;
      try {
        await storage.removeItems([trackerStateItem, unrecordedVisitsItem]);
        legacy = false;
      } catch {
        // The state is saved in the database, which load() prefers: the next save retries.
      }
    },
  };
}
