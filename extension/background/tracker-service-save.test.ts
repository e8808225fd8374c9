/**
 * The tracker's state saved at most every so often (TrackerServiceOptions.saveStateEveryMs):
 * between saves a finished visit is recorded alone, the state waits for a timer or the next
 * checkpoint, and a worker killed meanwhile loses only what happened since the last save.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { consentItem } from '../settings/index.js';
import { CHECKPOINT_ALARM } from './alarms.js';
import {
  browserWithOneTab,
  committed,
  createHarness,
  type Harness,
  SEC,
  utcDayOf,
} from './background-test-kit.js';
import { createVisitRecorder, type RecordVisits } from './visit-recorder.js';

const EVERY_MS = 10 * SEC;

/** Window 1 focused, tab 1 active in it, with a visit to https://example.com/a open. */
async function browserWithOneVisit(h: Harness): Promise<void> {
  await browserWithOneTab(h);
  await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
}

describe('tracker service saving its state every so often', () => {
  let h: Harness;
  /** The saves' timers, run by the test. */
  let timers: Array<{ task: () => void; ms: number }>;
  /** Per transaction: [visits, whether the state went with them]. */
  let writes: Array<[number, boolean]>;

  const recorder = (inner?: RecordVisits) => (db: Harness['db']) => {
    const record = inner ?? createVisitRecorder(db, utcDayOf);
    return (async (visits, state) => {
      writes.push([visits.length, state !== undefined]);
      await record(visits, state);
    }) as RecordVisits;
  };

  const runTimers = async (): Promise<void> => {
    for (const { task } of timers.splice(0)) task();
    await h.tracker.drained();
  };

  beforeEach(async () => {
    fakeBrowser.reset();
    await consentItem.setValue(true);
    timers = [];
    writes = [];
    h = createHarness({
      recordVisits: recorder(),
      stateSave: { everyMs: EVERY_MS, setTimer: (task, ms) => timers.push({ task, ms }) },
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
    expect(h.errors).toEqual([]);
  });

  it('records visits alone between saves; the timer, a checkpoint or the interval saves the state', async () => {
    await browserWithOneVisit(h);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/b'));
    h.clock.advance(2 * SEC);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/c'));
    // The worker's first event saved; the others came within the interval.
    // The worker's first event saved; the others came within the interval.
    expect(writes).toEqual([
      [0, true],
      [1, false],
      [1, false],
    ]);
    // One timer, set by the first event the save was put off for, to the interval's end.
    expect(timers.map((t) => t.ms)).toEqual([EVERY_MS]);
    const inMemory = await h.tracker.readState();
    expect((await h.saved())?.state).not.toEqual(inMemory);

    await runTimers();
    expect((await h.saved())?.state).toEqual(inMemory);
    expect(writes.at(-1)).toEqual([0, true]);

    h.clock.advance(1 * SEC);
    await h.on.onAlarm({ name: CHECKPOINT_ALARM });
    expect(writes.at(-1)).toEqual([0, true]);
    h.clock.advance(EVERY_MS);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/d'));
    expect(writes.at(-1)).toEqual([1, true]);
    expect((await h.saved())?.state).toEqual(await h.tracker.readState());
    expect((await h.visits()).map((v) => v.url)).toEqual([
      'https://example.com/a',
      'https://example.com/b',
      'https://example.com/c',
    ]);
  });

  it('a worker killed between saves loses what came after the last one, and records nothing twice', async () => {
    await browserWithOneVisit(h);
    h.clock.advance(30 * SEC);
    await h.on.onAlarm({ name: CHECKPOINT_ALARM });
    // Saved with /a open; then /a and /b finish and are recorded alone.
    h.clock.advance(2 * SEC);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/b'));
    h.clock.advance(2 * SEC);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/c'));
    const recorded = await h.visits();
    expect(recorded.map((v) => [v.url, v.activeMs])).toEqual([
      ['https://example.com/a', 32 * SEC],
      ['https://example.com/b', 2 * SEC],
    ]);

    // Killed before its timer ran: the new worker has the checkpoint's state, /a open in it.
    timers.length = 0;
    h.restart();
    h.clock.advance(2 * SEC);
    await h.on.onTabRemoved(1);
    // /a is finished again under its id and kept as recorded; /c's 2 s are what was lost.
    expect(await h.visits()).toEqual(recorded);
    expect(await h.db.dailyRollups.toArray()).toMatchObject([
      { domain: 'example.com', visits: 2, activeMs: 34 * SEC },
    ]);
    expect((await h.saved())?.state.tabs).toEqual({});
  });

  it('a visit refused between saves is saved with the state at once, and recorded next', async () => {
    await browserWithOneVisit(h);
    await runTimers();
    let refuse = true;
    const record = createVisitRecorder(h.db, utcDayOf);
    h.restart({
      recordVisits: recorder(async (visits, state) => {
        if (refuse && visits.length > 0) throw new Error('database refused');
        await record(visits, state);
      })(h.db),
    });
    h.clock.advance(30 * SEC);
    await h.on.onAlarm({ name: CHECKPOINT_ALARM });
    h.clock.advance(1 * SEC);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/b'));
    expect(h.errors).toHaveLength(1);
    h.errors.length = 0;
    expect((await h.saved())?.unrecorded.map((v) => v.url)).toEqual(['https://example.com/a']);

    refuse = false;
    h.clock.advance(1 * SEC);
    await h.on.onWindowFocusChanged(-1);
    expect(writes.at(-1)).toEqual([1, true]);
    expect((await h.visits()).map((v) => v.url)).toEqual(['https://example.com/a']);
    expect((await h.saved())?.unrecorded).toEqual([]);
  });
});
