import { storage } from 'wxt/utils/storage';
import type { VisitEvent } from '#protocol';
import {
  readRecordingSettings,
  trackerStateItem,
  unrecordedVisitsItem,
} from '../settings/index.js';
import {
  initialTrackerState,
  step,
  type TrackerEvent,
  type TrackerState,
} from '../tracker/index.js';
import { createSerialQueue } from './serial-queue.js';

/** Puts finished visits in the local database; must be idempotent on visit id. */
export type RecordVisits = (visits: readonly VisitEvent[]) => Promise<void>;

/**
 * What to apply: one event, or a function that makes the events from the
 * state they will be applied to. The function runs in turn, so it sees every
 * event queued before it, and lookups in it (tabs.get for a navigation, the
 * browser snapshot after startup) cannot reorder events.
 */
export type EventSource =
  | TrackerEvent
  | ((state: TrackerState) => Promise<readonly TrackerEvent[]> | readonly TrackerEvent[]);

export interface TrackerService {
  /**
   * Queues events. They are applied one at a time in the order queued, each
   * as: step, record the visits it finished, save the state (with the visits
   * the database did not take). Resolves once done; never rejects (failures go
   * to onError, and the queue goes on).
   */
  dispatch(source: EventSource): Promise<void>;
  /** The state after every event queued so far. */
  readState(): Promise<TrackerState>;
  /** Resolves when everything queued so far has been applied. */
  drained(): Promise<void>;
}

export interface TrackerServiceOptions {
  recordVisits: RecordVisits;
  /** Makes visit and session ids (UUID v7 in the extension). */
  newId: () => string;
  /** TrackerDeps.maxAccrualGapMs: a longer span between events means the machine slept. */
  maxAccrualGapMs: number;
  onError?: (error: unknown) => void;
}

interface Persisted {
  state: TrackerState;
  /** Visits finished earlier that the database has not confirmed yet. */
  unrecorded: VisitEvent[];
}

function isTrackerState(value: unknown): value is TrackerState {
  return (
    typeof value === 'object' && value !== null && (value as { version?: unknown }).version === 1
  );
}

/**
 * The tracker's shell: keeps the state in storage.local, never only in
 * memory (the worker may be killed between any two events), and hands the
 * visits the tracker finishes to the database.
 *
 * Per event with a finished visit: one IndexedDB transaction and one
 * storage.local.set. This worker keeps what it last read from or wrote to
 * storage.local, so it reads storage only after a (re)start or a failure; it
 * is the only writer of these items.
 */
export function createTrackerService(options: TrackerServiceOptions): TrackerService {
  const queue = createSerialQueue();
  const onError = options.onError ?? ((error: unknown) => console.error('[tracker]', error));
  /** What storage.local holds, as this worker last read or wrote it; null: read it. */
  let held: Persisted | null = null;

  async function load(): Promise<Persisted> {
    if (held !== null) return held;
    // One storage.local.get for both.
    const [state, visits] = await storage.getItems([trackerStateItem, unrecordedVisitsItem]);
    const storedState: unknown = state?.value;
    const storedVisits: unknown = visits?.value;
    const unrecorded = Array.isArray(storedVisits) ? (storedVisits as VisitEvent[]) : [];
    if (isTrackerState(storedState)) {
      held = { state: storedState, unrecorded };
      return held;
    }
    if (storedState != null)
      onError(new Error('unreadable tracker state in storage; starting over'));
    // Not held: nothing is stored yet, and the settings may change before the first save.
    return { state: initialTrackerState(await readRecordingSettings()), unrecorded };
  }

  /** One storage.local.set: the state and the visits it closed are saved together or not at all. */
  async function save(state: TrackerState, unrecorded: VisitEvent[] | null): Promise<void> {
    await storage.setItems([
      { item: trackerStateItem, value: state },
      ...(unrecorded === null ? [] : [{ item: unrecordedVisitsItem, value: unrecorded }]),
    ]);
  }

  async function apply(source: EventSource): Promise<void> {
    const persisted = await load();
    let state = persisted.state;
    const events = typeof source === 'function' ? await source(state) : [source];
    const finished = [...persisted.unrecorded];
    for (const event of events) {
      const result = step(state, event, {
        newId: options.newId,
        maxAccrualGapMs: options.maxAccrualGapMs,
      });
      state = result.state;
      finished.push(...result.finished);
    }
    if (events.length === 0 && finished.length === 0) return;
    // Record, then save. Killed before the database commits, storage still has
    // the old state, the visits open in it: they are finished again later.
    // Killed after, the same: the visits keep their ids in the old state, and
    // the database, idempotent on id, keeps the first record and counts it
    // once. Either way the event in hand is lost, as it is when the worker dies
    // before any save. A failed recording is saved with the state instead, as
    // unrecorded visits, and retried with the next event (or after a restart).
    let unrecorded: VisitEvent[] = [];
    let recordError: unknown = null;
    if (finished.length > 0) {
      try {
        await options.recordVisits(finished);
      } catch (error) {
        unrecorded = finished;
        recordError = error;
      }
    }
    held = null; // Unknown until the save has landed.
    const unrecordedChanged = unrecorded.length > 0 || persisted.unrecorded.length > 0;
    await save(state, unrecordedChanged ? unrecorded : null);
    held = { state, unrecorded };
    if (recordError !== null) throw recordError;
  }

  return {
    dispatch(source: EventSource): Promise<void> {
      return queue.run(() => apply(source)).catch(onError);
    },
    readState(): Promise<TrackerState> {
      return queue.run(async () => (await load()).state);
    },
    drained(): Promise<void> {
      return queue.drained();
    },
  };
}
