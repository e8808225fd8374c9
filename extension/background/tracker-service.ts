import { storage } from 'wxt/utils/storage';
import {
  readRecordingSettings,
  trackerStateItem,
  unrecordedVisitsItem,
} from '../settings/index.js';
import {
  type FinishedVisit,
  initialTrackerState,
  step,
  type TrackerEvent,
  type TrackerState,
} from '../tracker/index.js';
import { createSerialQueue } from './serial-queue.js';

/** Puts finished visits in the local database; must be idempotent on visit id. */
export type RecordVisits = (visits: readonly FinishedVisit[]) => Promise<void>;

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
   * as: load state, step, save state (with the visits it finished), record
   * those visits. Resolves once done; never rejects (failures go to onError,
   * and the queue goes on).
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
  unrecorded: FinishedVisit[];
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
 */
export function createTrackerService(options: TrackerServiceOptions): TrackerService {
  const queue = createSerialQueue();
  const onError = options.onError ?? ((error: unknown) => console.error('[tracker]', error));

  async function load(): Promise<Persisted> {
    // One storage.local.get for both.
    const [state, visits] = await storage.getItems([trackerStateItem, unrecordedVisitsItem]);
    const storedState: unknown = state?.value;
    const storedVisits: unknown = visits?.value;
    const unrecorded = Array.isArray(storedVisits) ? (storedVisits as FinishedVisit[]) : [];
    if (isTrackerState(storedState)) return { state: storedState, unrecorded };
    if (storedState != null)
      onError(new Error('unreadable tracker state in storage; starting over'));
    return { state: initialTrackerState(await readRecordingSettings()), unrecorded };
  }

  /** One storage.local.set: the state and the visits it closed are saved together or not at all. */
  async function save(state: TrackerState, unrecorded: FinishedVisit[] | null): Promise<void> {
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
    // Write-ahead, then record. Killed after the save, the next task records
    // the visits from storage; killed before it, the saved state still has
    // them open and finishes them again later. Recording a visit twice is
    // harmless: its id is stable and the database is idempotent on it.
    await save(state, finished.length > persisted.unrecorded.length ? finished : null);
    if (finished.length === 0) return;
    await options.recordVisits(finished);
    await unrecordedVisitsItem.setValue([]);
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
