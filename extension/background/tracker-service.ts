import type { VisitEvent } from '#protocol';
import { readRecordingSettings } from '../settings/index.js';
import {
  initialTrackerState,
  step,
  type TrackerEvent,
  type TrackerState,
} from '../tracker/index.js';
import { createSerialQueue } from './serial-queue.js';
import type { SavedTracker, TrackerStore } from './tracker-store.js';

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
   * as: step, then record the visits it finished and save the state in one
   * transaction (or, when the visits are refused, the state alone with them as
   * unrecorded). Resolves once done; never rejects (failures go to onError, and
   * the queue goes on).
   */
  dispatch(source: EventSource): Promise<void>;
  /** The state after every event queued so far. */
  readState(): Promise<TrackerState>;
  /** Resolves when everything queued so far has been applied. */
  drained(): Promise<void>;
}

export interface TrackerServiceOptions {
  /** Where the state and the finished visits go (tracker-store.ts). */
  store: TrackerStore;
  /** Makes visit and session ids (UUID v7 in the extension). */
  newId: () => string;
  /** TrackerDeps.maxAccrualGapMs: a longer span between events means the machine slept. */
  maxAccrualGapMs: number;
  onError?: (error: unknown) => void;
}

function isTrackerState(value: unknown): value is TrackerState {
  return (
    typeof value === 'object' && value !== null && (value as { version?: unknown }).version === 1
  );
}

/**
 * The tracker's shell: saves the state after every event, never keeping it
 * only in memory (the worker may be killed between any two events), and hands
 * the visits the tracker finishes to the database.
 *
 * Per event: one IndexedDB transaction, holding the visits the event finished
 * (if any) and the state. This worker keeps what it last read or wrote, so it
 * reads the store only after a (re)start or a failure; it is the only writer
 * of its row.
 */
export function createTrackerService(options: TrackerServiceOptions): TrackerService {
  const { store } = options;
  const queue = createSerialQueue();
  const onError = options.onError ?? ((error: unknown) => console.error('[tracker]', error));
  /** What the store holds, as this worker last read or wrote it; null: read it. */
  let held: SavedTracker | null = null;

  async function load(): Promise<SavedTracker> {
    if (held !== null) return held;
    const loaded = await store.load();
    const unrecorded = Array.isArray(loaded?.unrecorded) ? (loaded.unrecorded as VisitEvent[]) : [];
    if (isTrackerState(loaded?.state)) {
      held = { state: loaded.state, unrecorded };
      return held;
    }
    if (loaded != null && loaded.state != null)
      onError(new Error('unreadable tracker state in storage; starting over'));
    // Not held: nothing is saved yet, and the settings may change before the first save.
    return { state: initialTrackerState(await readRecordingSettings()), unrecorded };
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
    // The visits and the state that finished them land together or not at all:
    // killed before the commit, the store still has the old state, the visits
    // open in it, and they are finished again later under the same ids (the
    // event in hand is lost, as when the worker dies before any save). A
    // refused recording is saved with the state instead, as unrecorded visits,
    // and retried with the next event (or after a restart); the database,
    // idempotent on id, counts a visit once however often it is offered.
    held = null; // Unknown until a save has landed.
    try {
      await store.save({ state, unrecorded: [] }, finished);
      held = { state, unrecorded: [] };
    } catch (error) {
      if (finished.length === 0) throw error;
      await store.save({ state, unrecorded: finished }, []);
      held = { state, unrecorded: finished };
      throw error;
    }
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
