import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { VisitEvent } from '#protocol';
import { openTracksphereDb, recordFinishedVisits } from '../db/index.js';
import { retentionDaysItem, syncConfigItem } from '../settings/index.js';
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
});
