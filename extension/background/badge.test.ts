import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { makeVisit } from '../db/db-test-kit.js';
import { recordFinishedVisits } from '../db/index.js';
import { consentItem, toolbarBadgeItem } from '../settings/index.js';
import {
  committed,
  createHarness,
  type Harness,
  MIN,
  SEC,
  utcDayOf,
} from './background-test-kit.js';
import { badgeText, createBadgeUpdater, siteActiveMsToday } from './badge.js';
import { readTrackerStatus } from './tracker-status.js';

describe('badge text', () => {
  it('is a few characters: under a minute, minutes, whole hours', () => {
    expect(badgeText(0)).toBe('<1m');
    expect(badgeText(59 * SEC)).toBe('<1m');
    expect(badgeText(12 * MIN + 30 * SEC)).toBe('12m');
    expect(badgeText(60 * MIN)).toBe('1h');
    expect(badgeText(13 * 60 * MIN + 59 * MIN)).toBe('13h');
  });

  it("adds today's recorded time on the site's hosts to its open visits", () => {
    const today = '2025-01-06';
    const rows = [
      { day: today, domain: 'www.codeharbor.io', activeMs: 5 * MIN, visits: 1 },
      { day: today, domain: 'blog.codeharbor.io', activeMs: 2 * MIN, visits: 1 },
      { day: today, domain: 'other.example', activeMs: 60 * MIN, visits: 1 },
      { day: '2025-01-05', domain: 'codeharbor.io', activeMs: 60 * MIN, visits: 1 },
    ];
    const open = [
      { domain: 'codeharbor.io', startedAt: Date.UTC(2025, 0, 6, 9), activeMs: 71 * SEC },
      { domain: 'codeharbor.io', startedAt: Date.UTC(2025, 0, 5, 9), activeMs: 9 * MIN },
    ];
    expect(siteActiveMsToday('codeharbor.io', today, rows, open, utcDayOf)).toBe(
      7 * MIN + 71 * SEC,
    );
  });
});

describe('badge updater', () => {
  let h: Harness;
  let texts: string[];
  let refresh: () => Promise<void>;

  beforeEach(() => {
    fakeBrowser.reset();
    texts = [];
    h = createHarness();
    refresh = createBadgeUpdater({
      db: h.db,
      now: () => h.clock.now,
      status: () =>
        readTrackerStatus({
          tracker: h.tracker,
          now: () => h.clock.now,
          activeTab: async () => [...h.model.tabs.values()].find((t) => t.active) as never,
        }),
      setBadgeText: async (text) => {
        texts.push(text);
      },
      dayOf: utcDayOf,
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("shows the current site's time today, nothing before consent or when turned off", async () => {
    await recordFinishedVisits(
      h.db,
      [makeVisit({ at: h.clock.now - 60 * MIN, domain: 'blog.codeharbor.io', activeMs: 11 * MIN })],
      { syncEnabled: false, dayOf: utcDayOf },
    );
    h.model.openTab({ id: 1, windowId: 1, url: 'https://www.codeharbor.io/a', active: true });
    h.model.focusedWindowId = 1;
    await refresh();
    expect(texts.at(-1)).toBe('');

    await consentItem.setValue(true);
    await h.on.onRecordingSettingsChanged();
    await h.on.onWindowFocusChanged(1);
    await h.on.onTabActivated({ tabId: 1, windowId: 1 });
    await h.on.onNavigationCommitted(committed(1, 'https://www.codeharbor.io/a'));
    h.clock.advance(71 * SEC);
    await refresh();
    expect(texts.at(-1)).toBe('12m');

    await toolbarBadgeItem.setValue(false);
    await refresh();
    expect(texts.at(-1)).toBe('');
  });

  it('is written again after the events that change it', async () => {
    const calls = vi.fn(async () => undefined);
    const listeners = (await import('./background-listeners.js')).createBackgroundListeners({
      tracker: h.tracker,
      runSync: async () => ({ status: 'disabled' }),
      now: () => h.clock.now,
      refreshBadge: calls,
    });
    await listeners.onTabActivated({ tabId: 1, windowId: 1 });
    await listeners.onWindowFocusChanged(1);
    await listeners.onNavigationCommitted(committed(1, 'https://example.com/'));
    await listeners.onAlarm({ name: 'checkpoint' });
    await listeners.onRecordingSettingsChanged();
    expect(calls).toHaveBeenCalledTimes(5);
  });
});
