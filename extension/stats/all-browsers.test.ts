/** All my browsers: which of this browser's visits the summary lacks, and the combined day. */
import { describe, expect, it } from 'vitest';
import type { StoredVisit } from '../db/index.js';
import { allBrowsersReply } from '../sync/sync-test-kit.js';
import { allBrowsersDay, missingFromSummary } from './all-browsers.js';

const ME = '0190a6f2-0000-7000-8000-00000000000a';
const OTHER = '0190a6f2-0000-7000-8000-00000000000b';
const T0 = Date.UTC(2026, 11, 5, 12);
const DAY = '2026-12-05';

const visit = (syncState: StoredVisit['syncState'], sentAt?: number) =>
  ({ syncState, ...(sentAt === undefined ? {} : { sentAt }) }) as StoredVisit;

describe('missingFromSummary', () => {
  it('counts pending, local and rejected visits, and sent ones acknowledged after the summary', () => {
    expect(missingFromSummary(visit('pending'), T0)).toBe(true);
    expect(missingFromSummary(visit('local'), T0)).toBe(true);
    expect(missingFromSummary(visit('rejected'), T0)).toBe(true);
    expect(missingFromSummary(visit('sent', T0 - 1), T0)).toBe(false);
    expect(missingFromSummary(visit('sent', T0 + 1), T0)).toBe(true);
  });
});

describe('allBrowsersDay', () => {
  const reply = allBrowsersReply(ME, OTHER, DAY, T0, [
    { date: DAY, domain: 'a.test', deviceId: ME, activeMs: 1000, visits: 1 },
    { date: DAY, domain: 'a.test', deviceId: OTHER, activeMs: 5000, visits: 2 },
    { date: '2026-12-04', domain: 'old.test', deviceId: OTHER, activeMs: 9000, visits: 1 },
  ]);

  it('adds this browser’s unacknowledged rows and open visits to its own share', () => {
    const unacked = [{ day: DAY, domain: 'b.test', activeMs: 2000, visits: 1 }];
    const open = [{ domain: 'b.test', startedAt: T0, activeMs: 500 }];
    const day = allBrowsersDay(reply, DAY, unacked, open);
    expect(day?.rows.map((r) => [r.domain, r.activeMs])).toEqual([
      ['a.test', 1000],
      ['a.test', 5000],
      ['b.test', 2000],
    ]);
    expect(day?.byBrowser.map((b) => [b.device.id, b.activeMs])).toEqual([
      [ME, 3500],
      [OTHER, 5000],
    ]);
    expect(day?.asOf).toBe(T0);
  });

  it('is null without a cached summary', () => {
    expect(allBrowsersDay({ ...reply, cached: null }, DAY, [], [])).toBeNull();
  });
});
