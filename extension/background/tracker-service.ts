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
  /**
   * Saves the state at most this often (0, the default: with every event). Between saves an
   * event's visits are recorded alone and the state waits in memory, saved by a timer this
   * long after the last save at the latest, and with a `checkpoint` or `startup` event at once.
   */
  saveStateEveryMs?: number;
  /** The clock of those saves (Date.now). */
  now?: () => number;
  /** Runs `task` after `ms` (setTimeout): the saves' timer. */
  setTimer?: (task: () => void, ms: number) => void;
}

/**
 * How often the background saves the tracker's state (bench/extension.ts measures with it too).
 * A browser stops an idle worker 30 s after its last event, after this timer has saved the
 * state; a worker killed abruptly (a crash) loses the active time of at most this long, less
 * than the checkpoint interval (alarms.ts) bounds a crash's loss to.
 */
export const STATE_SAVE_EVERY_MS = 10_000;

/** Events saved with the state at once: each bounds what a crash can lose. */
const SAVED_AT_ONCE: ReadonlySet<TrackerEvent['type']> = new Set(['checkpoint', 'startup']);

function isTrackerState(value: unknown): value is TrackerState {
  return (
    typeof value === 'object' && value !== null && (value as { version?: unknown }).version === 1
  );
}

/**
 * The tracker's shell: steps the state with each event, hands the visits the
 * tracker finishes to the database, and saves the state (the worker may be
 * killed between any two events).
 *
 * Per event: one IndexedDB transaction, holding the visits the event finished
 * (if any) and the state, or, with `saveStateEveryMs`, the visits alone while
 * the last save is more recent than that. This worker keeps the state in
 * memory, so it reads the store only after a (re)start or a failure; it is the
 * only writer of its row.
 */
export function createTrackerService(options: TrackerServiceOptions): TrackerService {
  const { store } = options;
  const queue = createSerialQueue();
  const onError = options.onError ?? ((error: unknown) => console.error('[tracker]', error));
  /** The state after the last event, saved or waiting to be; null: read the store. */
  let held: SavedTracker | null = null;
  const everyMs = options.saveStateEveryMs ?? 0;
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? ((task, ms) => setTimeout(task, ms));
  /** When the last save landed (the worker's first event saves). */
  let savedAt = Number.NEGATIVE_INFINITY;
  /** Whether `held` is newer than the store's row, and the timer that will save it. */
  let unsaved = false;
  let timer = false;

  async function save(saved: SavedTracker, finished: readonly VisitEvent[]): Promise<void> {
    await store.save(saved, finished);
    savedAt = now();
    unsaved = false;
  }

  /** Saves the state held in memory, in turn with the events, once `everyMs` has passed. */
  function saveLater(): void {
    unsaved = true;
    if (timer) return;
    timer = true;
    setTimer(
      () => {
        timer = false;
        void queue
          .run(async () => {
            if (unsaved && held !== null) await save(held, []);
          })
          .catch(onError);
      },
      Math.max(0, savedAt + everyMs - now()),
    );
  }

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
    // event in hand is lost, as when the worker dies before any save). Between
    // saves (saveStateEveryMs) the visits land alone: a worker killed then
    // comes back to an older state, finishes the visits open in it again under
    // the ids already stored, and loses what happened since that save. A
    // refused recording is saved with the state instead, as unrecorded visits,
    // and retried with the next event (or after a restart); the database,
    // idempotent on id, counts a visit once however often it is offered.
    const due =
      now() - savedAt >= everyMs ||
      persisted.unrecorded.length > 0 ||
      events.some((e) => SAVED_AT_ONCE.has(e.type));
    held = null; // Unknown until a save has landed.
    try {
      if (due) await save({ state, unrecorded: [] }, finished);
      else if (finished.length > 0) await store.record(finished);
      held = { state, unrecorded: [] };
      if (!due) saveLater();
    } catch (error) {
      if (finished.length === 0) throw error;
      await save({ state, unrecorded: finished }, []);
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
