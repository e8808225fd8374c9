import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { SNOOZE_MS } from '../limits/limits.js';
import { MESSAGE_DATA } from '../messaging/message-schemas.js';
import { consentItem } from '../settings/index.js';
import { limitDayItem, limitsItem } from '../settings/limit-items.js';
import { CHECKPOINT_ALARM } from './alarms.js';
import {
  browserWithOneTab,
  committed,
  createHarness,
  type Harness,
  MIN,
  SEC,
  utcDayOf,
} from './background-test-kit.js';
import { createLimitHandlers } from './limit-handlers.js';
import { createLimitWatch, type LimitNotice, type LimitWatchDeps } from './limit-watch.js';
import { readTrackerStatus } from './tracker-status.js';

const checkpoint = { name: CHECKPOINT_ALARM };

describe('limit watch', () => {
  let h: Harness;
  let notices: LimitNotice[];
  let redirects: [number, string][];
  /** The delays the watch set its timer to (the tests run it by hand). */
  let timers: { ms: number; check: () => void }[];
  let deps: LimitWatchDeps;

  beforeEach(async () => {
    fakeBrowser.reset();
    await consentItem.setValue(true);
    notices = [];
    redirects = [];
    timers = [];
    h = createHarness({
      checkLimits: (tracker, db, now) => {
        deps = {
          db,
          now,
          dayOf: utcDayOf,
          status: () =>
            readTrackerStatus({
              tracker,
              now,
              activeTab: async () =>
                [...h.model.tabs.values()].find(
                  (tab) => tab.active && tab.windowId === h.model.focusedWindowId,
                ) as never,
            }),
          notify: async (notice) => {
            notices.push(notice);
            return true;
          },
          tabUrl: async (tabId) => h.model.tabs.get(tabId)?.url,
          redirect: async (tabId, url) => void redirects.push([tabId, url]),
          setTimer: (check, ms) => {
            timers.push({ ms, check });
            return () => undefined;
          },
        };
        return createLimitWatch(deps);
      },
    });
    await limitsItem.setValue([{ target: 'example.com', limitMs: 60 * SEC, holdMeToIt: true }]);
  });

  afterEach(() => {
    vi.restoreAllMocks();
    expect(h.errors).toEqual([]);
  });

  const deactivate = (tabId: number): void => {
    const tab = h.model.tabs.get(tabId);
    if (tab !== undefined) tab.active = false;
  };

  /** The person leaves tab `from` for a new tab `id` in window 1, which commits `url`. */
  const switchToNewTab = async (from: number, id: number, url: string): Promise<void> => {
    deactivate(from);
    h.model.openTab({ id, windowId: 1, url, active: true });
    await h.on.onTabActivated({ tabId: id, windowId: 1 });
    await h.on.onNavigationCommitted(committed(id, url));
  };

  /** Time passing with the checkpoint alarm each minute, as in the browser. */
  const dwell = async (ms: number): Promise<void> => {
    for (let left = ms; left > 0; left -= MIN) {
      h.clock.advance(Math.min(MIN, left));
      await h.on.onAlarm(checkpoint);
    }
  };

  const held = (tabId: number, url: string) => [
    tabId,
    `chrome-extension://${fakeBrowser.runtime.id}/limit-reached.html?target=example.com&url=${encodeURIComponent(url)}`,
  ];

  it('notifies at 80% and 100% once each, across a worker restart, then holds the site', async () => {
    await browserWithOneTab(h, 'https://www.example.com/a');
    await h.on.onNavigationCommitted(committed(1, 'https://www.example.com/a'));
    h.clock.advance(47 * SEC);
    await h.on.onAlarm(checkpoint);
    expect(notices).toEqual([]);
    h.clock.advance(1 * SEC);
    await h.on.onAlarm(checkpoint);
    expect(notices).toEqual([
      { target: 'example.com', threshold: 80, usedMs: 48 * SEC, limitMs: 60 * SEC },
    ]);
    h.clock.advance(5 * SEC);
    await h.on.onAlarm(checkpoint);
    expect(notices).toHaveLength(1);
    expect(redirects).toEqual([]);

    h.restart();
    h.clock.advance(7 * SEC);
    await h.on.onAlarm(checkpoint);
    expect(notices.map((n) => [n.threshold, n.usedMs])).toEqual([
      [80, 48 * SEC],
      [100, 60 * SEC],
    ]);
    expect(redirects).toEqual([held(1, 'https://www.example.com/a')]);
    const day = await limitDayItem.getValue();
    expect(day?.fired.map((f) => [day.day, f.threshold, f.usedMs, f.shown])).toEqual([
      ['2025-01-06', 80, 48 * SEC, true],
      ['2025-01-06', 100, 60 * SEC, true],
    ]);

    h.restart();
    h.clock.advance(30 * SEC);
    await h.on.onAlarm(checkpoint);
    expect(notices).toHaveLength(2);
  });

  it('counts the site across tab switches, and holds it when its tab comes back', async () => {
    await browserWithOneTab(h, 'https://example.com/a');
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    h.clock.advance(40 * SEC);
    await switchToNewTab(1, 2, 'https://other.net/');
    h.clock.advance(5 * MIN);
    await h.on.onAlarm(checkpoint);
    expect(notices.map((n) => n.usedMs)).toEqual([]);
    // A second example.com tab adds to the first one's 40 s.
    await switchToNewTab(2, 3, 'https://blog.example.com/');
    h.clock.advance(10 * SEC);
    await h.on.onAlarm(checkpoint);
    expect(notices.map((n) => [n.threshold, n.usedMs])).toEqual([[80, 50 * SEC]]);
    h.clock.advance(10 * SEC);
    await h.on.onAlarm(checkpoint);
    expect(redirects).toEqual([held(3, 'https://blog.example.com/')]);

    const handlers = createLimitHandlers(deps);
    const reply = await handlers.getLimits(undefined);
    expect(reply).toEqual({
      today: '2025-01-06',
      limits: [
        {
          target: 'example.com',
          limitMs: 60 * SEC,
          holdMeToIt: true,
          usedMs: 60 * SEC,
          appliesToCurrentSite: true,
        },
      ],
    });
  });

  it('"5 more minutes" lets the site through for five minutes; "open anyway" for the day', async () => {
    await browserWithOneTab(h, 'https://example.com/a');
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    h.clock.advance(61 * SEC);
    await h.on.onAlarm(checkpoint);
    expect(redirects).toHaveLength(1);
    const handlers = createLimitHandlers(deps);
    await handlers.chooseAtLimit({ target: 'example.com', choice: 'snooze' });
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/b'));
    h.clock.advance(SNOOZE_MS - SEC);
    await h.on.onAlarm(checkpoint);
    expect(redirects).toHaveLength(1);
    h.clock.advance(SEC);
    await h.on.onAlarm(checkpoint);
    expect(redirects).toEqual([held(1, 'https://example.com/a'), held(1, 'https://example.com/a')]);

    await handlers.chooseAtLimit({ target: 'example.com', choice: 'openAnyway' });
    h.clock.advance(60 * MIN);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/c'));
    await h.on.onAlarm(checkpoint);
    expect(redirects).toHaveLength(2);
    expect((await limitDayItem.getValue())?.openedAnyway).toEqual(['example.com']);
  });

  it('leaves a tab that has moved to another site between the check and the hold', async () => {
    await browserWithOneTab(h, 'https://example.com/a');
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    h.clock.advance(61 * SEC);
    // The tab is read as the browser has it (tabs.get), not through the test's model.
    delete deps.tabUrl;
    const status = deps.status;
    deps.status = async () => {
      const read = await status();
      // The person goes on to another site once the check has read what the tab showed.
      const tab = h.model.tabs.get(1);
      if (tab !== undefined) tab.url = 'https://other.net/';
      return read;
    };
    await h.on.onAlarm(checkpoint);
    expect(notices.map((n) => n.threshold)).toEqual([100]);
    expect(redirects).toEqual([]);

    // Back on the limited site (another page of it), the tab is held.
    deps.status = status;
    const tab = h.model.tabs.get(1);
    if (tab !== undefined) tab.url = 'https://www.example.com/b';
    await h.on.onNavigationCommitted(committed(1, 'https://www.example.com/b'));
    expect(redirects).toEqual([held(1, 'https://www.example.com/b')]);
  });

  it('sends a tab to the limit-reached page once while that page is still loading', async () => {
    await browserWithOneTab(h, 'https://example.com/a');
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    h.clock.advance(61 * SEC);
    // The tab is read as the browser has it (tabs.get), not through the test's model.
    delete deps.tabUrl;
    await h.on.onAlarm(checkpoint);
    expect(redirects).toEqual([held(1, 'https://example.com/a')]);
    // The browser has the limit-reached page on its way (Chromium's pendingUrl) but has not
    // committed it: a second load of it would take the person's keys and clicks from the first.
    const tab = h.model.tabs.get(1);
    if (tab !== undefined) tab.pendingUrl = held(1, 'https://example.com/a')[1] as string;
    await h.on.onAlarm(checkpoint);
    expect(redirects).toHaveLength(1);
  });

  it('holds the site while the tab is on its way elsewhere and has not got there', async () => {
    await browserWithOneTab(h, 'https://example.com/a');
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    h.clock.advance(61 * SEC);
    delete deps.tabUrl;
    // A navigation that may never commit (a server that does not answer): the page shown is
    // still the limited site's.
    const tab = h.model.tabs.get(1);
    if (tab !== undefined) tab.pendingUrl = 'http://10.255.255.1/';
    await h.on.onAlarm(checkpoint);
    expect(redirects).toEqual([held(1, 'https://example.com/a')]);
  });

  it('leaves the site opened by "open anyway" chosen while a check was under way', async () => {
    await browserWithOneTab(h, 'https://example.com/a');
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    h.clock.advance(61 * SEC);
    const tabUrl = deps.tabUrl;
    deps.tabUrl = async (tabId) => {
      // The check has read today's state; the person, on the limit-reached page, chooses
      // "open anyway", and the page opens the site once the choice is stored.
      await createLimitHandlers(deps).chooseAtLimit({
        target: 'example.com',
        choice: 'openAnyway',
      });
      return tabUrl?.(tabId);
    };
    await h.on.onAlarm(checkpoint);
    expect(notices.map((n) => n.threshold)).toEqual([100]);
    expect((await limitDayItem.getValue())?.openedAnyway).toEqual(['example.com']);
    expect(redirects).toEqual([]);
  });

  it('keeps a "5 more minutes" chosen while a notice is being recorded', async () => {
    await browserWithOneTab(h, 'https://example.com/a');
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    h.clock.advance(61 * SEC);
    let showNotice = (): void => undefined;
    deps.notify = (notice) => {
      notices.push(notice);
      return new Promise((resolve) => {
        showNotice = () => resolve(true);
      });
    };
    const check = h.on.onAlarm(checkpoint);
    await vi.waitFor(() => expect(notices).toHaveLength(1));
    // The person chooses "5 more minutes" while the 100% notice is on its way.
    await createLimitHandlers(deps).chooseAtLimit({ target: 'example.com', choice: 'snooze' });
    showNotice();
    await check;
    const day = await limitDayItem.getValue();
    expect(day?.snoozedUntil).toEqual({ 'example.com': h.clock.now + SNOOZE_MS });
    expect(day?.fired.map((f) => f.threshold)).toEqual([80, 100]);
    expect(redirects).toEqual([]);
  });

  it('keeps the notices recorded while a "5 more minutes" is being chosen', async () => {
    await browserWithOneTab(h, 'https://example.com/a');
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    h.clock.advance(61 * SEC);
    let answer = (): void => undefined;
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    // The limit-reached page's request reads the tracker slowly; a check runs meanwhile.
    const handlers = createLimitHandlers({
      ...deps,
      status: async () => {
        await answered;
        return deps.status();
      },
    });
    const choice = handlers.chooseAtLimit({ target: 'example.com', choice: 'snooze' });
    await h.on.onAlarm(checkpoint);
    answer();
    await choice;
    const day = await limitDayItem.getValue();
    expect(day?.snoozedUntil).toEqual({ 'example.com': h.clock.now + SNOOZE_MS });
    expect(day?.fired.map((f) => f.threshold)).toEqual([80, 100]);
    // Restarted, the worker does not show the notices again.
    h.restart();
    await h.on.onAlarm(checkpoint);
    expect(notices.map((n) => n.threshold)).toEqual([100]);
  });

  it('a new local day starts the count and the notices over', async () => {
    await limitsItem.setValue([{ target: 'example.com', limitMs: 10 * MIN, holdMeToIt: false }]);
    h.clock.now = Date.UTC(2025, 0, 6, 23, 50);
    await browserWithOneTab(h, 'https://example.com/a');
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    await dwell(9 * MIN);
    expect(notices.map((n) => [n.threshold, n.usedMs])).toEqual([[80, 8 * MIN]]);
    // 00:01: the open visit started yesterday and counts there, as its rollup will.
    await dwell(2 * MIN);
    expect(notices.map((n) => n.threshold)).toEqual([80]);
    expect((await createLimitHandlers(deps).getLimits(undefined)).limits[0]?.usedMs).toBe(0);
    // The next page starts today's count; 8 min of it is today's 80%.
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/b'));
    await dwell(8 * MIN);
    expect(notices.map((n) => [n.threshold, n.usedMs])).toEqual([
      [80, 8 * MIN],
      [80, 8 * MIN],
    ]);
    expect(redirects).toEqual([]);
  });

  it('counts a category limit over the sites of that category', async () => {
    await limitsItem.setValue([{ target: 'category:video', limitMs: 60 * SEC, holdMeToIt: false }]);
    await browserWithOneTab(h, 'https://www.youtube.com/watch');
    await h.on.onNavigationCommitted(committed(1, 'https://www.youtube.com/watch'));
    h.clock.advance(50 * SEC);
    await h.on.onAlarm(checkpoint);
    expect(notices).toEqual([
      { target: 'category:video', threshold: 80, usedMs: 50 * SEC, limitMs: 60 * SEC },
    ]);
  });

  it('stores a site limit under its registrable domain, and refuses what cannot be a limit', async () => {
    await browserWithOneTab(h);
    const handlers = createLimitHandlers(deps);
    const reply = await handlers.setLimit({
      target: 'news.example.co.uk',
      limitMs: 30 * MIN,
      holdMeToIt: false,
    });
    expect(reply.limits.map((l) => [l.target, l.limitMs])).toEqual([
      ['example.com', 60 * SEC],
      ['example.co.uk', 30 * MIN],
    ]);
    await handlers.removeLimit({ target: 'example.com' });
    expect(await limitsItem.getValue()).toEqual([
      { target: 'example.co.uk', limitMs: 30 * MIN, holdMeToIt: false },
    ]);
    const schema = MESSAGE_DATA.setLimit;
    expect(
      schema.safeParse({ target: 'example.com', limitMs: 999, holdMeToIt: true }).success,
    ).toBe(false);
    expect(
      schema.safeParse({ target: 'https://example.com/', limitMs: 60_000, holdMeToIt: true })
        .success,
    ).toBe(false);
    expect(
      schema.safeParse({ target: 'category:custom:3', limitMs: 60_000, holdMeToIt: true }).success,
    ).toBe(true);
  });

  it('keeps every one of several limit changes made at once', async () => {
    await browserWithOneTab(h);
    const handlers = createLimitHandlers(deps);
    // Two pages setting limits at the same moment, and one removing the seeded limit.
    await Promise.all([
      handlers.setLimit({ target: 'a.test', limitMs: 10 * MIN, holdMeToIt: false }),
      handlers.setLimit({ target: 'b.test', limitMs: 20 * MIN, holdMeToIt: true }),
      handlers.removeLimit({ target: 'example.com' }),
      handlers.setLimit({ target: 'c.test', limitMs: 30 * MIN, holdMeToIt: false }),
    ]);
    expect((await limitsItem.getValue()).map((l) => [l.target, l.limitMs])).toEqual([
      ['a.test', 10 * MIN],
      ['b.test', 20 * MIN],
      ['c.test', 30 * MIN],
    ]);
  });

  it('checks again when the next notice is due, not at the next alarm; an idle page sets no timer', async () => {
    await browserWithOneTab(h, 'https://example.com/a');
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    expect(timers.map((t) => t.ms)).toEqual([48 * SEC + 250]);
    h.clock.advance(20 * SEC);
    await h.on.onAlarm(checkpoint);
    expect(timers.map((t) => t.ms)).toEqual([48 * SEC + 250, 28 * SEC + 250]);
    h.clock.advance(28 * SEC + 250);
    timers.at(-1)?.check();
    await vi.waitFor(() => expect(notices.map((n) => n.threshold)).toEqual([80]));
    await vi.waitFor(() => expect(timers.at(-1)?.ms).toBe(11_750 + 250));
    // Idle: the page gains no time, so the check after this one sets no new timer.
    await h.on.onIdleStateChanged('idle');
    const set = timers.length;
    h.clock.advance(30 * SEC);
    await h.on.onAlarm(checkpoint);
    await h.on.onAlarm(checkpoint);
    expect(timers.length).toBe(set);
  });
});
