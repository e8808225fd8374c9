import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { recordFinishedVisits } from '../db/index.js';
import { consentItem, syncConfigItem, trackerStateItem } from '../settings/index.js';
import { CHECKPOINT_ALARM, MAX_ACCRUAL_GAP_MS } from './alarms.js';
import {
  browserWithOneTab,
  committed,
  createHarness,
  type Harness,
  MIN,
  SEC,
  T0,
  utcDayOf,
} from './background-test-kit.js';
import { createVisitRecorder, type RecordVisits } from './visit-recorder.js';

const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

/** A finished visit n seconds after T0, lasting a second. */
const visit = (n: number) => ({
  id: `00000000-0000-7000-8000-0000000000${n}0`,
  type: 'visit' as const,
  url: `https://example.com/${n}`,
  domain: 'example.com',
  title: null,
  startedAt: iso(n * SEC),
  endedAt: iso((n + 1) * SEC),
  activeMs: SEC,
  sessionId: '00000000-0000-7000-8000-000000000001',
  transition: 'link' as const,
});

/** Sync set up and on, as the options page saves it; then off, keeping the rest. */
const turnSyncOn = () =>
  syncConfigItem.setValue({
    enabled: true,
    serverUrl: 'https://sync.example',
    deviceId: 'd',
    token: 't',
  });
const turnSyncOff = async () =>
  syncConfigItem.setValue({ ...(await syncConfigItem.getValue()), enabled: false });

/** Window 1 focused, tab 1 active in it, with a visit to https://example.com/a open. */
async function browserWithOneVisit(h: Harness): Promise<void> {
  await browserWithOneTab(h);
  await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
}

/** A worker killed at its next save: nothing that save would write lands. */
const killedAtSave: RecordVisits = async () => {
  throw new Error('worker killed');
};

describe('tracker service', () => {
  let h: Harness;

  beforeEach(async () => {
    fakeBrowser.reset();
    await consentItem.setValue(true);
    h = createHarness();
  });

  afterEach(() => {
    vi.restoreAllMocks();
    expect(h.errors).toEqual([]);
  });

  it('a worker killed at a save loses the event in hand only, and records nothing twice', async () => {
    await browserWithOneVisit(h);
    h.clock.advance(4 * SEC);
    h.restart({ recordVisits: killedAtSave });
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/b'));
    expect(h.errors.length).toBeGreaterThan(0);
    h.errors.length = 0;
    expect(await h.visits()).toEqual([]);

    // The store still has /a open: the new worker finishes it, once, at the next event.
    h.restart();
    h.clock.advance(6 * SEC);
    await h.on.onTabRemoved(1);
    expect((await h.visits()).map((v) => [v.url, v.endedAt, v.activeMs])).toEqual([
      ['https://example.com/a', iso(10 * SEC), 10 * SEC],
    ]);
    expect(await h.db.dailyRollups.toArray()).toMatchObject([{ visits: 1, activeMs: 10 * SEC }]);
    expect((await h.saved())?.state.tabs).toEqual({});
  });

  it('a worker killed between any two events loses nothing and doubles nothing', async () => {
    // One script of events, run by one worker, then by a worker killed before every event.
    const script = async (x: Harness, kill: () => void): Promise<void> => {
      await browserWithOneVisit(x);
      const steps: Array<() => Promise<unknown>> = [
        () => x.on.onAlarm({ name: CHECKPOINT_ALARM }),
        () => x.on.onNavigationCommitted(committed(1, 'https://example.com/b')),
        () => x.on.onTabUpdated(1, { title: 'B, loaded' }),
        () => x.on.onWindowFocusChanged(-1),
        () => x.on.onWindowFocusChanged(1),
        () => x.on.onAlarm({ name: CHECKPOINT_ALARM }),
        () => x.on.onNavigationCommitted(committed(1, 'https://example.org/c')),
        () => x.on.onIdleStateChanged('idle'),
        () => x.on.onIdleStateChanged('active'),
        () => x.on.onTabRemoved(1),
      ];
      for (const next of steps) {
        x.clock.advance(50 * SEC);
        kill();
        await next();
      }
    };
    await script(h, () => undefined);
    const steady = await h.visits();
    expect(steady).toHaveLength(3);

    fakeBrowser.reset();
    await consentItem.setValue(true);
    const killed = createHarness();
    await script(killed, () => killed.restart());
    expect(killed.errors).toEqual([]);
    const strip = (visits: typeof steady) => visits.map(({ id, sessionId, ...v }) => v);
    expect(strip(await killed.visits())).toEqual(strip(steady));
    expect(await killed.db.dailyRollups.toArray()).toEqual(await h.db.dailyRollups.toArray());
  });

  it('a worker killed between events credits no more than the gap it can vouch for', async () => {
    // The last save is a checkpoint; the worker then dies and nothing runs for ten minutes.
    await browserWithOneVisit(h);
    h.clock.advance(1 * MIN);
    await h.on.onAlarm({ name: CHECKPOINT_ALARM });
    h.restart();
    h.clock.advance(10 * MIN);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/b'));
    // Credited: the minute up to the checkpoint; the ten minutes after it exceed
    // MAX_ACCRUAL_GAP_MS (three checkpoint intervals) and earn nothing.
    expect(10 * MIN).toBeGreaterThan(MAX_ACCRUAL_GAP_MS);
    expect((await h.visits()).map((v) => v.activeMs)).toEqual([1 * MIN]);
  });

  it('records a finished visit and the state that finished it in one transaction', async () => {
    await browserWithOneVisit(h);
    const before = await h.saved();
    const good = { ...visit(1), id: '00000000-0000-7000-8000-0000000000aa' };
    // A visit IndexedDB cannot key aborts the transaction after the good visit was added.
    const bad = { ...visit(2), id: undefined as unknown as string };
    if (before === undefined) throw new Error('no saved state');
    const row = { ...before, state: { ...before.state, clock: 1 } };
    await expect(
      recordFinishedVisits(h.db, [good, bad], {
        syncEnabled: false,
        dayOf: utcDayOf,
        trackerState: row,
      }),
    ).rejects.toThrow();
    expect(await h.visits()).toEqual([]);
    expect(await h.db.dailyRollups.count()).toBe(0);
    expect(await h.saved()).toEqual(before);
  });

  it('reads its saved state once per worker, and writes one transaction and no storage.local per event', async () => {
    await browserWithOneVisit(h);
    const get = vi.spyOn(fakeBrowser.storage.local, 'get');
    const set = vi.spyOn(fakeBrowser.storage.local, 'set');
    const saves: number[] = [];
    const record = createVisitRecorder(h.db);
    h.restart({
      recordVisits: async (visits, state) => {
        saves.push(visits.length);
        await record(visits, state);
      },
    });
    const reads = vi.spyOn(h.db.trackerState, 'get');
    for (let i = 0; i < 5; i++) {
      h.clock.advance(SEC);
      await h.on.onNavigationCommitted(committed(1, `https://example.com/${i}`));
    }
    await h.on.onWindowFocusChanged(-1);
    // One transaction per event: the visit it finished with the state, or the state alone.
    expect(saves).toEqual([1, 1, 1, 1, 1, 0]);
    expect(set).not.toHaveBeenCalled();
    expect(reads).toHaveBeenCalledOnce();
    // Per worker, storage.local is read twice: the old state's items (alongside the row), and
    // the sync setting (with the first visit; then watched while off).
    expect(get).toHaveBeenCalledTimes(2);
    expect(await h.visits()).toHaveLength(5);
    expect((await h.saved())?.state.focusedWindowId).toBe(-1);
  });

  it('moves the state storage.local held before database version 4, open visit and all', async () => {
    await browserWithOneVisit(h);
    h.clock.advance(30 * SEC);
    await h.on.onAlarm({ name: CHECKPOINT_ALARM });
    // What an older version left: the state in storage.local, no row in the database.
    const old = await h.saved();
    await trackerStateItem.setValue(old?.state ?? null);
    await h.db.trackerState.clear();

    h.restart();
    h.clock.advance(10 * SEC);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/b'));
    expect((await h.visits()).map((v) => [v.url, v.activeMs])).toEqual([
      ['https://example.com/a', 40 * SEC],
    ]);
    expect(await trackerStateItem.getValue()).toBeNull();
    expect((await h.saved())?.state.tabs['1']?.visit?.url).toBe('https://example.com/b');

    // A row saved meanwhile wins over an old item left behind.
    await trackerStateItem.setValue(old?.state ?? null);
    h.restart();
    await h.on.onTabRemoved(1);
    expect((await h.visits()).map((v) => v.url)).toEqual([
      'https://example.com/a',
      'https://example.com/b',
    ]);
    expect(await trackerStateItem.getValue()).toBeNull();
  });

  it('records with the sync setting storage has now, changed since the last visit', async () => {
    await browserWithOneVisit(h);
    const states: string[] = [];
    const record = async (url: string): Promise<void> => {
      h.clock.advance(SEC);
      await h.on.onNavigationCommitted(committed(1, url));
      await vi.waitFor(async () => expect(await h.visits()).toHaveLength(states.length + 1));
      states.push((await h.visits()).at(-1)?.syncState ?? 'none');
    };
    await record('https://example.com/b');
    await turnSyncOn();
    await record('https://example.com/c');
    await turnSyncOff();
    await record('https://example.com/d');
    expect(states).toEqual(['local', 'pending', 'local']);
  });

  it('records a visit made after sync was turned off as local, before the change reaches a watcher', async () => {
    // storage.onChanged delivers a moment after the write: here, not at all.
    vi.spyOn(syncConfigItem, 'watch').mockImplementation(() => () => undefined);
    const record = createVisitRecorder(h.db);
    await turnSyncOn();
    await record([visit(1)]);
    await turnSyncOff();
    await record([visit(2)]);
    expect((await h.visits()).map((v) => v.syncState)).toEqual(['pending', 'local']);
  });

  it('asks for a backlog check after visits recorded with sync on only', async () => {
    const afterRecord = vi.fn(async () => undefined);
    const record = createVisitRecorder(h.db, undefined, afterRecord);
    await record([visit(1)]);
    expect(afterRecord).not.toHaveBeenCalled();
    await turnSyncOn();
    await record([visit(2)]);
    expect(afterRecord).toHaveBeenCalledOnce();
  });
});
