import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { cacheSummary, lastCachedSummary, makeVisit, utcDayOf } from '../db/db-test-kit.js';
import { recordFinishedVisits } from '../db/index.js';
import { removeAllListeners, sendMessage } from '../messaging/protocol.js';
import {
  allowlistItem,
  allowlistOnlyItem,
  consentItem,
  idleThresholdSecondsItem,
  pausedAllItem,
  pausedSitesItem,
  privacyLevelItem,
  retentionDaysItem,
  studyInfoItem,
  syncConfigItem,
  toolbarBadgeItem,
} from '../settings/index.js';
import { limitDayItem } from '../settings/limit-items.js';
import {
  bridgeRuntimeMessaging,
  committed,
  createHarness,
  type Harness,
  SEC,
} from './background-test-kit.js';
import { createMessageHandlers, registerMessageHandlers } from './message-handlers.js';
import { createSyncRunner, createSyncSetup } from './sync-runner.js';

/** A cached All my browsers summary holding another browser's site. */
const linkedSites = {
  summary: {
    from: '2024-04-17',
    to: '2024-04-17',
    tz: 'UTC',
    generatedAt: '2024-04-17T12:00:00.000Z',
    devices: [],
    rows: [
      {
        date: '2024-04-17',
        domain: 'b.example',
        deviceId: '0190a6f2-0000-7000-8000-00000000000b',
        activeMs: 60_000,
        visits: 1,
      },
    ],
  },
  fetchedAt: 1,
};

interface FakeServer {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  calls: Array<{ method: string; url: string; headers: Record<string, string> }>;
}

/** The ingest API's answers for registration and erase (the real server is tested in test/extension). */
function fakeServer(): FakeServer {
  const calls: FakeServer['calls'] = [];
  return {
    calls,
    fetch: async (url, init) => {
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      calls.push({ method: init.method ?? 'GET', url, headers });
      if (url.endsWith('/api/v1/devices')) {
        if (headers['x-enrollment-key'] !== 'team-key') {
          return Response.json(
            {
              error: {
                code: 'enrollment_required',
                message: 'This server needs a valid enrollment key.',
              },
            },
            { status: 403 },
          );
        }
        return Response.json(
          {
            deviceId: '0190a6f2-0000-7000-8000-00000000000a',
            token: '0190a6f2-0000-7000-8000-00000000000a.secretsecretsecretsecret',
          },
          { status: 201 },
        );
      }
      if (url.endsWith('/api/v1/me') && init.method === 'DELETE') {
        return Response.json({ deletedVisits: 42 });
      }
      return Response.json({ accepted: 0, rejected: [] });
    },
  };
}

/** A fresh fake browser and database with the background's handlers answering. */
function startHandlers(): { h: Harness; stop: AbortController; server: FakeServer } {
  fakeBrowser.reset();
  removeAllListeners();
  bridgeRuntimeMessaging();
  // The fake browser has no uninstall URL (study-sync.test.ts checks what is set).
  vi.spyOn(fakeBrowser.runtime, 'setUninstallURL').mockResolvedValue(undefined);
  const h = createHarness();
  const stop = new AbortController();
  const server = fakeServer();
  const rt = { fetch: server.fetch, now: () => h.clock.now, random: () => 0.5 };
  registerMessageHandlers(
    createMessageHandlers({
      tracker: h.tracker,
      runSync: createSyncRunner(h.db, rt),
      syncSetup: createSyncSetup(h.db, rt),
      now: () => h.clock.now,
      db: h.db,
    }),
    stop.signal,
  );
  return { h, stop, server };
}

describe('background message handlers', () => {
  let h: Harness;
  let stop: AbortController;

  beforeEach(() => {
    ({ h, stop } = startHandlers());
  });

  afterEach(() => {
    stop.abort();
    vi.restoreAllMocks();
  });

  it('answers getStatus with the defaults before anything was set', async () => {
    expect(await sendMessage('getStatus')).toEqual({
      consent: false,
      pausedAll: false,
      level: 'full',
      pausedSites: [],
      allowlistOnly: false,
      allowlist: [],
      idleThresholdSeconds: 60,
      toolbarBadge: true,
      activePage: null,
      openVisits: [],
      sync: {
        enabled: false,
        serverUrl: null,
        registered: false,
        stopped: null,
        study: null,
        canLeave: false,
      },
    });
  });

  it('answers getStatus with each stored setting in its place, read in one storage call', async () => {
    await Promise.all([
      consentItem.setValue(true),
      pausedAllItem.setValue(true),
      privacyLevelItem.setValue('domain'),
      pausedSitesItem.setValue(['paused.example']),
      allowlistOnlyItem.setValue(true),
      allowlistItem.setValue(['allowed.example']),
      idleThresholdSecondsItem.setValue(3_600),
      toolbarBadgeItem.setValue(false),
      syncConfigItem.setValue({
        enabled: true,
        serverUrl: 'https://sync.example',
        deviceId: 'd1',
        token: 't1',
        withdrawalSecret: null,
        stopped: null,
      }),
      studyInfoItem.setValue({
        cohort: 'pilot',
        studyEndsAt: '2027-01-01T00:00:00.000Z',
        studyEnded: false,
        checkedAt: 1,
      }),
    ]);
    await sendMessage('getStatus');
    const get = vi.spyOn(fakeBrowser.storage.local, 'get');
    const status = await sendMessage('getStatus');
    // The status's own settings come in one call (the tracker's first load reads its own too).
    const statusKeys = ['idleThresholdSeconds', 'toolbarBadge', 'syncConfig', 'studyInfo'];
    const reads = get.mock.calls
      .map(([keys]) => [keys ?? []].flat().map(String))
      .filter((keys) => keys.some((key) => statusKeys.includes(key)));
    expect(reads).toEqual([
      [
        'consent',
        'pausedAll',
        'privacyLevel',
        'pausedSites',
        'allowlistOnly',
        'allowlist',
        ...statusKeys,
      ],
    ]);
    expect(status).toMatchObject({
      consent: true,
      pausedAll: true,
      level: 'domain',
      pausedSites: ['paused.example'],
      allowlistOnly: true,
      allowlist: ['allowed.example'],
      idleThresholdSeconds: 3_600,
      toolbarBadge: false,
      sync: {
        enabled: true,
        serverUrl: 'https://sync.example',
        registered: true,
        stopped: null,
        study: { cohort: 'pilot', studyEndsAt: '2027-01-01T00:00:00.000Z', studyEnded: false },
        canLeave: true,
      },
    });
  });

  it('stores each setting and answers with the new status', async () => {
    expect((await sendMessage('setConsent', { consent: true })).consent).toBe(true);
    expect((await sendMessage('setPausedAll', { paused: true })).pausedAll).toBe(true);
    expect((await sendMessage('setPrivacyLevel', { level: 'domain' })).level).toBe('domain');
    expect((await sendMessage('setIdleThreshold', { seconds: 5 })).idleThresholdSeconds).toBe(15);
    const status = await sendMessage('setAllowlist', {
      allowlistOnly: true,
      sites: ['https://docs.example.com/x', 'example.com', 'news.example.org'],
    });
    expect(status).toMatchObject({
      allowlistOnly: true,
      allowlist: ['example.com', 'example.org'],
    });
    expect(await consentItem.getValue()).toBe(true);
    expect(await privacyLevelItem.getValue()).toBe('domain');
    expect(await idleThresholdSecondsItem.getValue()).toBe(15);
    expect(await allowlistOnlyItem.getValue()).toBe(true);
    expect(await allowlistItem.getValue()).toEqual(['example.com', 'example.org']);
  });

  it('pauses a site by its registrable domain and resumes it from any of its hosts', async () => {
    const paused = await sendMessage('pauseSite', { site: 'https://mail.example.co.uk/inbox' });
    expect(paused.pausedSites).toEqual(['example.co.uk']);
    await sendMessage('pauseSite', { site: 'example.co.uk' });
    expect(await pausedSitesItem.getValue()).toEqual(['example.co.uk']);
    const resumed = await sendMessage('resumeSite', { site: 'www.example.co.uk' });
    expect(resumed.pausedSites).toEqual([]);
  });

  it('refuses data that does not fit the protocol, naming the problem', async () => {
    await expect(sendMessage('pauseSite', { site: 'chrome://settings' })).rejects.toThrow(
      'not a web site',
    );
    await expect(
      sendMessage('setPrivacyLevel', { level: 'everything' } as never),
    ).rejects.toThrow();
    await expect(sendMessage('setConsent', { consent: 'yes' } as never)).rejects.toThrow();
    expect(await privacyLevelItem.getValue()).toBe('full');
    expect(await consentItem.getValue()).toBe(false);
  });

  it('describes the active page: recorded with its active time, or why not', async () => {
    await consentItem.setValue(true);
    h.model.openTab({ id: 1, windowId: 1, url: 'https://www.example.com/a', active: true });
    h.model.focusedWindowId = 1;
    await h.on.onWindowFocusChanged(1);
    await h.on.onTabActivated({ tabId: 1, windowId: 1 });
    await h.on.onNavigationCommitted(committed(1, 'https://www.example.com/a'));
    h.clock.advance(12 * SEC);

    expect((await sendMessage('getStatus')).activePage).toEqual({
      tabId: 1,
      site: 'example.com',
      recording: true,
      reason: null,
      activeMs: 12 * SEC,
    });

    await sendMessage('pauseSite', { site: 'example.com' });
    await h.on.onRecordingSettingsChanged();
    expect((await sendMessage('getStatus')).activePage).toEqual({
      tabId: 1,
      site: 'example.com',
      recording: false,
      reason: 'site_paused',
      activeMs: null,
    });
    // Resumed, the page the person is on is recorded from then on, not from the next page.
    await sendMessage('resumeSite', { site: 'example.com' });
    await h.on.onRecordingSettingsChanged();
    h.clock.advance(5 * SEC);
    expect((await sendMessage('getStatus')).activePage).toEqual({
      tabId: 1,
      site: 'example.com',
      recording: true,
      reason: null,
      activeMs: 5 * SEC,
    });
    h.clock.advance(1 * SEC);
    await h.on.onTabRemoved(1);
    expect((await h.visits()).map((v) => [v.url, v.activeMs, v.transition])).toEqual([
      ['https://www.example.com/a', 12 * SEC, 'link'],
      ['https://www.example.com/a', 6 * SEC, null],
    ]);
  });

  it('records from the next page after consent, not the page open before it', async () => {
    h.model.openTab({ id: 1, windowId: 1, url: 'https://www.example.com/a', active: true });
    h.model.focusedWindowId = 1;
    await h.on.onWindowFocusChanged(1);
    await h.on.onTabActivated({ tabId: 1, windowId: 1 });
    await h.on.onNavigationCommitted(committed(1, 'https://www.example.com/a'));
    h.clock.advance(5 * SEC);
    await sendMessage('setConsent', { consent: true });
    await h.on.onRecordingSettingsChanged();
    h.clock.advance(5 * SEC);
    expect((await sendMessage('getStatus')).activePage).toMatchObject({
      recording: false,
      activeMs: null,
    });
    await h.on.onNavigationCommitted(committed(1, 'https://www.example.com/b'));
    h.clock.advance(3 * SEC);
    await h.on.onTabRemoved(1);
    expect((await h.visits()).map((v) => [v.url, v.activeMs])).toEqual([
      ['https://www.example.com/b', 3 * SEC],
    ]);
  });

  it('reports every open visit with its active time so far (the database has finished ones only)', async () => {
    await consentItem.setValue(true);
    const start = h.clock.now;
    h.model.focusedWindowId = 1;
    await h.on.onWindowFocusChanged(1);
    h.model.openTab({ id: 1, windowId: 1, url: 'https://mail.example.org/inbox', active: true });
    await h.on.onTabActivated({ tabId: 1, windowId: 1 });
    await h.on.onNavigationCommitted(committed(1, 'https://mail.example.org/inbox'));
    h.clock.advance(20 * SEC);
    // The mail tab stays open behind the page the person goes to.
    h.model.openTab({ id: 1, windowId: 1, url: 'https://mail.example.org/inbox', active: false });
    h.model.openTab({ id: 2, windowId: 1, url: 'https://www.codeharbor.io/a', active: true });
    await h.on.onTabActivated({ tabId: 2, windowId: 1 });
    await h.on.onNavigationCommitted(committed(2, 'https://www.codeharbor.io/a'));
    h.clock.advance(71 * SEC);

    const status = await sendMessage('getStatus');
    expect(await h.visits()).toEqual([]);
    expect(status.openVisits).toEqual([
      { domain: 'mail.example.org', startedAt: start, activeMs: 20 * SEC },
      { domain: 'www.codeharbor.io', startedAt: start + 20 * SEC, activeMs: 71 * SEC },
    ]);
    expect(status.activePage?.activeMs).toBe(71 * SEC);
  });

  it('names the site of each host, as pausing does', async () => {
    expect(
      await sendMessage('sitesOf', {
        hosts: ['www.codeharbor.io', 'blog.codeharbor.io', 'news.bbc.co.uk', '127.0.0.1'],
      }),
    ).toEqual({
      'www.codeharbor.io': 'codeharbor.io',
      'blog.codeharbor.io': 'codeharbor.io',
      'news.bbc.co.uk': 'bbc.co.uk',
      '127.0.0.1': '127.0.0.1',
    });
  });

  it('reports sync as off until the person turns it on, and never hands out the token', async () => {
    expect(await sendMessage('syncNow')).toEqual({ status: 'disabled' });
    await syncConfigItem.setValue({
      enabled: true,
      serverUrl: 'https://tracksphere.example.org',
      deviceId: '0190a6f2-0000-7000-8000-000000000009',
      token: 'secret-token-secret-token',
    });
    expect(await sendMessage('syncNow')).toEqual({
      status: 'done',
      sent: 0,
      rejected: 0,
      pending: 0,
    });
    const status = await sendMessage('getStatus');
    expect(status.sync).toEqual({
      enabled: true,
      serverUrl: 'https://tracksphere.example.org',
      registered: true,
      stopped: null,
      study: null,
      canLeave: true,
    });
    expect(JSON.stringify(status)).not.toContain('secret-token');
  });

  it('stores the local retention within its bounds', async () => {
    expect(await sendMessage('setRetentionDays', { days: 30.4 })).toEqual({ retentionDays: 30 });
    expect(await retentionDaysItem.getValue()).toBe(30);
    expect(await sendMessage('setRetentionDays', { days: 1 })).toEqual({ retentionDays: 7 });
    expect(await sendMessage('setRetentionDays', { days: 1e9 })).toEqual({ retentionDays: 3650 });
    await expect(sendMessage('setRetentionDays', { days: Number.NaN })).rejects.toThrow();
  });

  it('erases the local visits and rollups, and keeps the settings', async () => {
    await sendMessage('setConsent', { consent: true });
    await recordFinishedVisits(h.db, [makeVisit({ domain: 'a.example' })], {
      syncEnabled: false,
      dayOf: utcDayOf,
    });
    // Every linked browser's sites (in the database) and today's limit notices (in
    // storage.local): history too.
    await cacheSummary(h.db, linkedSites);
    await limitDayItem.setValue({
      day: '2024-04-17',
      fired: [],
      snoozedUntil: {},
      openedAnyway: ['a.example'],
    });
    expect(await h.db.visits.count()).toBe(1);
    expect(await sendMessage('eraseLocalData')).toEqual({ erased: true });
    expect(await h.db.visits.count()).toBe(0);
    expect(await h.db.dailyRollups.count()).toBe(0);
    expect(await lastCachedSummary(h.db)).toBeNull();
    expect(await h.db.summaryDays.count()).toBe(0);
    expect(await limitDayItem.getValue()).toBeNull();
    expect(await consentItem.getValue()).toBe(true);
  });

  it('stops answering once its signal aborts', async () => {
    stop.abort();
    await expect(sendMessage('getStatus')).rejects.toThrow();
  });
});

describe('turning sync on and off, and erasing the server copy', () => {
  let h: Harness;
  let stop: AbortController;
  let server: FakeServer;

  beforeEach(() => {
    // The fake browser has no manifest; registration reports the extension's version.
    vi.spyOn(fakeBrowser.runtime, 'getManifest').mockReturnValue({
      manifest_version: 3,
      name: 'Tracksphere',
      version: '0.1.0',
    });
    ({ h, stop, server } = startHandlers());
  });

  afterEach(() => {
    stop.abort();
    vi.restoreAllMocks();
  });

  it('sends the history recorded while sync was off only when asked, and only with sync on', async () => {
    await recordFinishedVisits(
      h.db,
      [makeVisit({ domain: 'a.example' }), makeVisit({ domain: 'b.example' })],
      { syncEnabled: false, dayOf: utcDayOf },
    );
    await expect(sendMessage('sendEarlierHistory')).rejects.toThrow(/Turn sync on/);
    await sendMessage('enableSync', {
      serverUrl: 'https://tracksphere.example.org',
      enrollmentKey: 'team-key',
    });
    // Turning sync on sends nothing from before.
    expect(await h.db.visits.where('syncState').equals('local').count()).toBe(2);
    expect(await sendMessage('sendEarlierHistory')).toEqual({ queued: 2 });
    expect(await h.db.visits.where('syncState').equals('local').count()).toBe(0);
  });

  it("refuses an insecure server URL and passes on the server's reason for refusing", async () => {
    await expect(
      sendMessage('enableSync', { serverUrl: 'http://tracksphere.example.org' }),
    ).rejects.toThrow(/https/);
    await expect(
      sendMessage('enableSync', {
        serverUrl: 'https://tracksphere.example.org',
        enrollmentKey: 'bad',
      }),
    ).rejects.toThrow(/enrollment key/);
    expect((await syncConfigItem.getValue()).enabled).toBe(false);
  });

  it('registers once, keeps the token in the background, and erases the server copy', async () => {
    const status = await sendMessage('enableSync', {
      serverUrl: 'https://tracksphere.example.org/',
      enrollmentKey: 'team-key',
    });
    expect(status.sync).toEqual({
      enabled: true,
      serverUrl: 'https://tracksphere.example.org',
      registered: true,
      stopped: null,
      study: null,
      canLeave: true,
    });
    expect(server.calls[0]).toMatchObject({
      method: 'POST',
      url: 'https://tracksphere.example.org/api/v1/devices',
    });
    const off = await sendMessage('disableSync');
    expect(off.sync.enabled).toBe(false);
    // Turning it on again reuses the registration.
    await sendMessage('enableSync', { serverUrl: 'https://tracksphere.example.org' });
    expect(server.calls.filter((c) => c.url.endsWith('/devices'))).toHaveLength(1);

    await cacheSummary(h.db, linkedSites);
    expect(await sendMessage('eraseServerData')).toEqual({ deletedVisits: 42 });
    // The server forgot this browser: the linked browsers' figures go with its credentials.
    expect(await lastCachedSummary(h.db)).toBeNull();
    const erase = server.calls.find((c) => c.method === 'DELETE');
    expect(erase?.headers.authorization).toMatch(/^Bearer 0190a6f2-/);
    expect(await syncConfigItem.getValue()).toMatchObject({ enabled: false, token: null });
  });
});
