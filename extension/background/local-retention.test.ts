import { beforeEach, describe, expect, it, vi } from 'vitest';
import { browser } from 'wxt/browser';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { Summary, VisitEvent } from '#protocol';
import { cacheSummary } from '../db/db-test-kit.js';
import { cachedSummaryRanges, openTracksphereDb, recordFinishedVisits } from '../db/index.js';
import { retentionDaysItem, syncConfigItem } from '../settings/index.js';
import { linkedDevice } from '../sync/sync-test-kit.js';
import { createLocalRetention } from './local-retention.js';

const NOW = Date.parse('2026-06-15T12:00:00.000Z');
const DAY = 86_400_000;

function visit(n: number, daysAgo: number): VisitEvent {
  const start = NOW - daysAgo * DAY;
  return {
    id: `0190a6f2-0000-7000-8000-${String(n).padStart(12, '0')}`,
    type: 'visit',
    url: 'https://example.com/',
    domain: 'example.com',
    title: null,
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + 60_000).toISOString(),
    activeMs: 30_000,
    sessionId: '0190a6f2-0000-7000-8000-0000000000aa',
    transition: 'link',
  };
}

describe('local retention', () => {
  beforeEach(() => {
    fakeBrowser.reset();
  });

  it('deletes raw visits past the setting, keeps unsent ones while sync is on, keeps rollups', async () => {
    const db = openTracksphereDb(`retention-${Math.random()}`);
    const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
    await recordFinishedVisits(db, [visit(1, 40), visit(2, 5)], { syncEnabled: false, dayOf });
    await recordFinishedVisits(db, [visit(3, 40)], { syncEnabled: true, dayOf });
    await retentionDaysItem.setValue(30);
    await syncConfigItem.setValue({
      enabled: true,
      serverUrl: 'https://x.example',
      deviceId: null,
      token: null,
    });

    const deleted = await createLocalRetention(db, () => NOW)();
    expect(deleted).toBe(1);
    expect((await db.visits.toArray()).map((v) => v.id.slice(-1)).sort()).toEqual(['2', '3']);
    expect(await db.dailyRollups.count()).toBe(2);

    // With sync off, an old unsent visit goes too.
    await syncConfigItem.setValue({ enabled: false, serverUrl: null, deviceId: null, token: null });
    expect(await createLocalRetention(db, () => NOW)()).toBe(1);
    expect(await db.visits.count()).toBe(1);
  });

  it("drops the other browsers' summaries once older than 30 days, and storage.local's old ones", async () => {
    const db = openTracksphereDb(`retention-${Math.random()}`);
    const other = '0190a6f2-0000-7000-8000-00000000000b';
    const summary = (from: string): Summary => ({
      from,
      to: from,
      tz: 'UTC',
      generatedAt: new Date(NOW).toISOString(),
      devices: [linkedDevice(other, false)],
      cursor: 'c',
      complete: true,
      rows: [{ date: from, domain: 'secret.example', deviceId: other, activeMs: 1, visits: 1 }],
    });
    await cacheSummary(db, { summary: summary('2026-05-01'), fetchedAt: NOW - 31 * DAY });
    await cacheSummary(db, { summary: summary('2026-05-20'), fetchedAt: NOW - 29 * DAY });
    // Where a version before the database's cache kept the last summary.
    await browser.storage.local.set({ allBrowsersSummary: { summary: summary('2026-04-01') } });

    await createLocalRetention(db, () => NOW)();
    expect((await cachedSummaryRanges(db)).map((e) => e.summary.from)).toEqual(['2026-05-20']);
    expect(await db.summaryDays.count()).toBe(1);
    expect(await browser.storage.local.get('allBrowsersSummary')).toEqual({});
  });

  it('prunes visits past the setting even when dropping the old cached summaries fails', async () => {
    const db = openTracksphereDb(`retention-${Math.random()}`);
    const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
    await recordFinishedVisits(db, [visit(1, 40)], { syncEnabled: false, dayOf });
    await retentionDaysItem.setValue(30);
    vi.spyOn(browser.storage.local, 'remove').mockRejectedValue(
      new Error('storage.local: IO error'),
    );
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await createLocalRetention(db, () => NOW)()).toBe(1);
      expect(await db.visits.count()).toBe(0);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it("drops the old summaries even when the visits' prune fails, and reports that failure", async () => {
    const db = openTracksphereDb(`retention-${Math.random()}`);
    await cacheSummary(db, {
      summary: {
        from: '2026-05-01',
        to: '2026-05-01',
        tz: 'UTC',
        generatedAt: new Date(NOW).toISOString(),
        devices: [linkedDevice('0190a6f2-0000-7000-8000-00000000000b', false)],
        complete: true,
        rows: [],
      },
      fetchedAt: NOW - 31 * DAY,
    });
    vi.spyOn(db.visits, 'where').mockImplementation(() => {
      throw new Error('visits: IO error');
    });
    try {
      await expect(createLocalRetention(db, () => NOW)()).rejects.toThrow('visits: IO error');
    } finally {
      vi.restoreAllMocks();
    }
    expect(await cachedSummaryRanges(db)).toEqual([]);
  });
});
