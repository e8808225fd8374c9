import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { consentItem, pausedSitesItem } from '../settings/index.js';
import { CHECKPOINT_ALARM, CHECKPOINT_PERIOD_MINUTES, SYNC_ALARM } from './alarms.js';
import {
  browserWithOneTab,
  committed,
  createHarness,
  type Harness,
  MIN,
  SEC,
  T0,
} from './background-test-kit.js';
import { createVisitRecorder } from './visit-recorder.js';

const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

describe('background listeners', () => {
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

  it('records a visit with the time it was the active tab, once it ends', async () => {
    await browserWithOneTab(h);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a?token=secret#x'));
    h.clock.advance(5 * SEC);
    h.model.openTab({ id: 2, windowId: 1, url: 'about:blank', active: true });
    await h.on.onTabActivated({ tabId: 2, windowId: 1 });
    h.clock.advance(55 * SEC);
    expect(await h.visits()).toEqual([]); // still open: a tab switch does not end a visit
    await h.on.onTabRemoved(1);

    const visits = await h.visits();
    expect(visits).toHaveLength(1);
    expect(visits[0]).toMatchObject({
      url: 'https://example.com/a',
      domain: 'example.com',
      title: 'Example A',
      startedAt: iso(0),
      endedAt: iso(60 * SEC),
      activeMs: 5 * SEC,
      transition: 'link',
      syncState: 'local',
    });
  });

  it('records nothing from a private window', async () => {
    h.model.openTab({ id: 7, windowId: 9, url: 'https://secret.example/', incognito: true });
    h.model.focusedWindowId = 9;
    await h.on.onWindowFocusChanged(9);
    await h.on.onTabActivated({ tabId: 7, windowId: 9 });
    await h.on.onNavigationCommitted(committed(7, 'https://secret.example/'));
    h.clock.advance(30 * SEC);
    await h.on.onHistoryStateUpdated(committed(7, 'https://secret.example/inbox'));
    await h.on.onTabRemoved(7);

    expect(await h.visits()).toEqual([]);
    expect(JSON.stringify(await h.saved())).not.toContain('secret');
  });

  it('ignores navigations in subframes', async () => {
    await browserWithOneTab(h);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    await h.on.onNavigationCommitted({ ...committed(1, 'https://ads.example.net/'), frameId: 3 });
    await h.on.onTabRemoved(1);
    expect((await h.visits()).map((v) => v.domain)).toEqual(['example.com']);
  });

  it('records a page Chrome prerendered from when it is shown, not from the prerender', async () => {
    // Chrome's own event order (chrome/test/data/extensions/api_test/webnavigation/prerendering):
    // the prerender commits in frame 1 with documentLifecycle 'prerender'; activation commits
    // the same document in frame 0, 'active'.
    await browserWithOneTab(h, 'https://example.com/list');
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/list'));
    h.clock.advance(3 * SEC);
    const documentId = crypto.randomUUID();
    await h.on.onNavigationCommitted({
      ...committed(1, 'https://example.com/next'),
      frameId: 1,
      documentId,
      documentLifecycle: 'prerender',
    } as never);
    h.clock.advance(2 * SEC);
    h.model.openTab({ id: 1, windowId: 1, url: 'https://example.com/next', active: true });
    await h.on.onNavigationCommitted({
      ...committed(1, 'https://example.com/next'),
      documentId,
      documentLifecycle: 'active',
    } as never);
    h.clock.advance(4 * SEC);
    await h.on.onTabRemoved(1);

    expect((await h.visits()).map((v) => [v.url, v.startedAt, v.activeMs])).toEqual([
      ['https://example.com/list', iso(0), 5 * SEC],
      ['https://example.com/next', iso(5 * SEC), 4 * SEC],
    ]);
  });

  it('applies events in the order they arrived, even when one waits on a tab lookup', async () => {
    await browserWithOneTab(h);
    let releaseLookup = () => {};
    h.model.tabLookupGate = new Promise<void>((resolve) => {
      releaseLookup = resolve;
    });
    // The navigation's tab lookup is still pending when the tab closes.
    const navigation = h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    h.clock.advance(2 * SEC);
    const removal = h.on.onTabRemoved(1);
    releaseLookup();
    await Promise.all([navigation, removal]);

    const visits = await h.visits();
    expect(visits).toHaveLength(1);
    expect(visits[0]).toMatchObject({ activeMs: 2 * SEC, endedAt: iso(2 * SEC) });
    expect((await h.saved())?.state.tabs).toEqual({});
  });

  it('counts no time while the person is idle, and time for an audible background tab', async () => {
    await browserWithOneTab(h);
    h.model.openTab({ id: 2, windowId: 1, url: 'https://music.example/' });
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    await h.on.onNavigationCommitted(committed(2, 'https://music.example/'));
    await h.on.onTabUpdated(2, { audible: true });
    h.clock.advance(10 * SEC);
    await h.on.onIdleStateChanged('idle');
    h.clock.advance(60 * SEC);
    await h.on.onIdleStateChanged('active');
    h.clock.advance(10 * SEC);
    await h.on.onTabRemoved(1);
    await h.on.onTabRemoved(2);

    const byDomain = Object.fromEntries((await h.visits()).map((v) => [v.domain, v.activeMs]));
    expect(byDomain).toEqual({ 'example.com': 20 * SEC, 'music.example': 80 * SEC });
  });

  it('keeps the last real title from tabs.onUpdated', async () => {
    await browserWithOneTab(h);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    await h.on.onTabUpdated(1, { title: 'Loaded title' });
    await h.on.onTabRemoved(1);
    expect((await h.visits())[0]?.title).toBe('Loaded title');
  });

  it('continues after a worker restart from the state in storage', async () => {
    await browserWithOneTab(h);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    h.clock.advance(40 * SEC);
    await h.on.onAlarm({ name: CHECKPOINT_ALARM });

    h.restart();
    h.clock.advance(20 * SEC);
    await h.on.onTabRemoved(1);

    const visits = await h.visits();
    expect(visits).toHaveLength(1);
    expect(visits[0]).toMatchObject({ activeMs: 60 * SEC, endedAt: iso(60 * SEC) });
  });

  it('closes what a crash left open at the last checkpoint on browser startup, then reads the browser', async () => {
    await browserWithOneTab(h);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    h.clock.advance(CHECKPOINT_PERIOD_MINUTES * MIN);
    await h.on.onAlarm({ name: CHECKPOINT_ALARM });

    // The browser died; it starts again an hour later with other tab ids.
    h.restart();
    h.clock.advance(60 * MIN);
    h.model.tabs.clear();
    h.model.openTab({ id: 40, windowId: 5, url: 'https://example.org/', active: true });
    h.model.focusedWindowId = 5;
    await h.on.onStartup();

    expect(await h.visits()).toMatchObject([
      { domain: 'example.com', activeMs: 1 * MIN, endedAt: iso(1 * MIN) },
    ]);
    const state = (await h.saved())?.state;
    expect(state?.focusedWindowId).toBe(5);
    expect(state?.activeTabs).toEqual({ 5: 40 });
  });

  it('starts visits for pages already open after an install, and opens the welcome page if there is one', async () => {
    h.model.openTab({ id: 3, windowId: 1, url: 'https://example.com/open', active: true });
    h.model.openTab({ id: 4, windowId: 1, url: 'chrome://newtab/' });
    h.model.focusedWindowId = 1;
    const fetchMock = vi.fn(async () => new Response(null, { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    const create = vi.spyOn(fakeBrowser.tabs, 'create').mockResolvedValue({} as never);
    try {
      await h.on.onInstalled({ reason: 'install' });
    } finally {
      vi.unstubAllGlobals();
    }

    expect(create).toHaveBeenCalledWith({ url: `${fakeBrowser.runtime.getURL('/')}welcome.html` });
    const state = (await h.saved())?.state;
    expect(state?.tabs['3']?.visit).toMatchObject({ domain: 'example.com', transition: null });
    expect(state?.tabs['4']?.visit).toBeNull();
    expect(state?.activeTabs).toEqual({ 1: 3 });
  });

  it('opens no welcome page while the build has none', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );
    const create = vi.spyOn(fakeBrowser.tabs, 'create');
    try {
      await h.on.onInstalled({ reason: 'install' });
    } finally {
      vi.unstubAllGlobals();
    }
    expect(create).not.toHaveBeenCalled();
  });

  it('ends the open visit when its site is paused', async () => {
    await browserWithOneTab(h);
    await h.on.onNavigationCommitted(committed(1, 'https://www.example.com/a'));
    h.clock.advance(3 * SEC);
    await pausedSitesItem.setValue(['example.com']);
    await h.on.onRecordingSettingsChanged();

    expect(await h.visits()).toMatchObject([{ domain: 'www.example.com', activeMs: 3 * SEC }]);
    expect((await h.saved())?.state.settings.pausedSites).toEqual(['example.com']);
  });

  it('records nothing before consent', async () => {
    await consentItem.setValue(false);
    await h.on.onRecordingSettingsChanged();
    await browserWithOneTab(h);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    await h.on.onTabRemoved(1);
    expect(await h.visits()).toEqual([]);
  });

  it('keeps finished visits with the saved state until the database takes them, and loses none', async () => {
    const record = createVisitRecorder(h.db);
    h.restart({
      // The visits store refuses every write; the state alone still saves.
      recordVisits: async (visits, state) => {
        if (visits.length > 0) throw new Error('IndexedDB refused the visits');
        await record(visits, state);
      },
    });
    await browserWithOneTab(h);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    h.clock.advance(4 * SEC);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/b'));

    expect(h.errors).toHaveLength(1);
    h.errors.length = 0;
    expect(await h.visits()).toEqual([]);
    expect((await h.saved())?.unrecorded.map((v) => v.url)).toEqual(['https://example.com/a']);
    // Neither the visit nor the state that finished it landed without the other.
    expect((await h.saved())?.state.tabs['1']?.visit?.url).toBe('https://example.com/b');

    // The worker is killed and comes back with a working database.
    h.restart({ recordVisits: createVisitRecorder(h.db) });
    await h.on.onTabRemoved(1);
    expect((await h.visits()).map((v) => [v.url, v.activeMs])).toEqual([
      ['https://example.com/a', 4 * SEC],
      ['https://example.com/b', 0],
    ]);
    expect((await h.saved())?.unrecorded).toEqual([]);
  });

  it('records a visit once even when its transaction landed and the worker heard no answer', async () => {
    let calls = 0;
    h.restart({
      // The transaction commits, then the answer is lost (the visits are saved as unrecorded).
      recordVisits: async (visits, state) => {
        if (visits.length > 0) calls += 1;
        await createVisitRecorder(h.db)(visits, state);
        if (visits.length > 0) throw new Error('no answer');
      },
    });
    await browserWithOneTab(h);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    await h.on.onTabRemoved(1);
    h.errors.length = 0;
    expect((await h.saved())?.unrecorded).toHaveLength(1);

    h.restart();
    await h.on.onAlarm({ name: CHECKPOINT_ALARM });
    expect(calls).toBe(1);
    expect(await h.visits()).toHaveLength(1);
    expect(await h.db.dailyRollups.toArray()).toMatchObject([{ visits: 1 }]);
    expect((await h.saved())?.unrecorded).toEqual([]);
  });

  it('runs the sync runner on the sync alarm', async () => {
    const runSync = vi.fn(async () => ({ status: 'disabled' as const }));
    h = createHarness({ runSync });
    await h.on.onAlarm({ name: SYNC_ALARM });
    expect(runSync).toHaveBeenCalledOnce();
  });

  it('creates the alarms and sets the idle threshold when the worker starts', async () => {
    await h.on.onWorkerStart();
    expect(await fakeBrowser.alarms.get(CHECKPOINT_ALARM)).toMatchObject({
      periodInMinutes: CHECKPOINT_PERIOD_MINUTES,
    });
    expect(await fakeBrowser.alarms.get(SYNC_ALARM)).toBeDefined();
    expect(h.model.setDetectionInterval).toHaveBeenCalledWith(60);

    // An existing alarm keeps its schedule.
    const before = await fakeBrowser.alarms.get(CHECKPOINT_ALARM);
    h.clock.advance(30 * SEC);
    await h.on.onWorkerStart();
    expect(await fakeBrowser.alarms.get(CHECKPOINT_ALARM)).toEqual(before);
  });
});
