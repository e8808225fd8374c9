import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { consentItem, syncConfigItem, trackerStateItem } from '../settings/index.js';
import {
  browserWithOneTab,
  committed,
  createHarness,
  type Harness,
  SEC,
  T0,
} from './background-test-kit.js';
import { createVisitRecorder } from './visit-recorder.js';

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

type SetArgs = Parameters<typeof fakeBrowser.storage.local.set>;

/** Window 1 focused, tab 1 active in it, with a visit to https://example.com/a open. */
async function browserWithOneVisit(h: Harness): Promise<void> {
  await browserWithOneTab(h);
  await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
}

/** The next storage.local.set fails; `landed`: after writing (the answer is what got lost). */
function failNextSet(landed: boolean): void {
  const set = fakeBrowser.storage.local.set.bind(fakeBrowser.storage.local);
  vi.spyOn(fakeBrowser.storage.local, 'set').mockImplementationOnce(async (...args: SetArgs) => {
    if (landed) await set(...args);
    throw new Error('worker killed');
  });
}

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

  it('records a visit once when the worker dies after the database took it, before the state was saved', async () => {
    await browserWithOneVisit(h);
    h.clock.advance(4 * SEC);
    failNextSet(false);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/b'));
    expect(h.errors).toHaveLength(1);
    h.errors.length = 0;

    // Storage still has /a open: the new worker finishes it again, under the same id.
    h.restart();
    h.clock.advance(6 * SEC);
    await h.on.onTabRemoved(1);
    const visits = await h.visits();
    expect(visits.map((v) => [v.url, v.endedAt, v.activeMs])).toEqual([
      ['https://example.com/a', iso(4 * SEC), 4 * SEC],
    ]);
    expect(await h.db.dailyRollups.toArray()).toMatchObject([{ visits: 1, activeMs: 4 * SEC }]);
    expect((await trackerStateItem.getValue())?.tabs).toEqual({});
  });

  it('reads the state from storage again after a save it cannot confirm', async () => {
    await browserWithOneVisit(h);
    h.clock.advance(4 * SEC);
    // The state with /b open reached storage, but the worker never heard back.
    failNextSet(true);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/b'));
    h.errors.length = 0;

    h.clock.advance(6 * SEC);
    await h.on.onTabRemoved(1);
    expect((await h.visits()).map((v) => [v.url, v.activeMs])).toEqual([
      ['https://example.com/a', 4 * SEC],
      ['https://example.com/b', 6 * SEC],
    ]);
  });

  it('reads storage.local once per worker, and writes one set per event', async () => {
    await browserWithOneVisit(h);
    // The first visit this worker records reads the sync setting.
    h.clock.advance(SEC);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/b'));
    const get = vi.spyOn(fakeBrowser.storage.local, 'get');
    const set = vi.spyOn(fakeBrowser.storage.local, 'set');
    for (let i = 0; i < 5; i++) {
      h.clock.advance(SEC);
      await h.on.onNavigationCommitted(committed(1, `https://example.com/${i}`));
    }
    expect(get).not.toHaveBeenCalled();
    // The database took every finished visit: none went to storage.local.
    expect(set.mock.calls.map(([items]) => Object.keys(items))).toEqual(
      Array.from({ length: 5 }, () => ['trackerState']),
    );
    expect(await h.visits()).toHaveLength(6);

    h.restart();
    await h.on.onWindowFocusChanged(-1);
    await h.on.onWindowFocusChanged(1);
    expect(get).toHaveBeenCalledOnce();
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
