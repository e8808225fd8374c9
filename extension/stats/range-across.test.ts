/**
 * A range across the linked browsers: the summary's rows of the range, this browser's visits
 * the summary lacks (unsent, or acknowledged after it came) and its open visits, each once;
 * per site, per day and per browser.
 */
import { describe, expect, it } from 'vitest';
import { makeVisit, utcDayOf } from '../db/db-test-kit.js';
import type { AllBrowsersReply } from '../messaging/protocol.js';
import { allBrowsersReply } from '../sync/sync-test-kit.js';
import { rangeAcross, unacknowledgedInRange } from './range-across.js';
import { dbWithVisits } from './stats-test-kit.js';

const ME = '0190a6f2-0000-7000-8000-00000000000a';
const OTHER = '0190a6f2-0000-7000-8000-00000000000b';
const MIN = 60_000;
const T0 = Date.UTC(2025, 2, 10, 18);
const RANGE = { from: '2025-03-04', to: '2025-03-10' };
const utcStart = (day: string): number => Date.parse(`${day}T00:00:00Z`);
const at = (day: number, hour = 10): number => Date.UTC(2025, 2, day, hour);

/** A week's summary (UTC) with the other browser's rows and this one's acknowledged ones. */
function weekReply(): AllBrowsersReply {
  const reply = allBrowsersReply(ME, OTHER, RANGE.to, T0, [
    { date: '2025-03-03', domain: 'old.example', deviceId: OTHER, activeMs: 99 * MIN, visits: 9 },
    { date: '2025-03-05', domain: 'news.example', deviceId: OTHER, activeMs: 10 * MIN, visits: 2 },
    { date: '2025-03-09', domain: 'docs.example', deviceId: OTHER, activeMs: 5 * MIN, visits: 1 },
    { date: '2025-03-09', domain: 'docs.example', deviceId: ME, activeMs: 7 * MIN, visits: 1 },
  ]);
  if (reply.cached === null) throw new Error('no summary');
  reply.cached.summary.from = '2025-03-01';
  return reply;
}

describe('a range across the linked browsers', () => {
  it("adds this browser's visits the summary lacks, its open ones, each once", async () => {
    const db = await dbWithVisits([
      // Sent and acknowledged before the summary came: in its rows already.
      makeVisit({ id: 'a', at: at(9), domain: 'docs.example', activeMs: 7 * MIN }),
      // Never sent.
      makeVisit({ id: 'b', at: at(6), domain: 'news.example', activeMs: 3 * MIN }),
      // Acknowledged after the summary came: not in it.
      makeVisit({ id: 'c', at: at(8), domain: 'mail.example', activeMs: 4 * MIN }),
      // Outside the range.
      makeVisit({ id: 'd', at: at(2), domain: 'mail.example', activeMs: 50 * MIN }),
    ]);
    await db.visits.update('a', { syncState: 'sent', sentAt: T0 - MIN });
    await db.visits.update('c', { syncState: 'sent', sentAt: T0 + MIN });
    const unacknowledged = await unacknowledgedInRange(db, RANGE, T0, utcDayOf, utcStart);
    expect(unacknowledged.sort((x, y) => x.day.localeCompare(y.day))).toEqual([
      { day: '2025-03-06', domain: 'news.example', activeMs: 3 * MIN, visits: 1 },
      { day: '2025-03-08', domain: 'mail.example', activeMs: 4 * MIN, visits: 1 },
    ]);

    const open = [{ domain: 'www.news.example', startedAt: at(10, 17), activeMs: 2 * MIN }];
    const siteOf = (host: string) => host.replace(/^www\./, '');
    const across = rangeAcross(weekReply(), RANGE, unacknowledged, open, siteOf, utcDayOf);
    if (across === null) throw new Error('no figures');
    const { history, browsers } = across;
    expect(history.sites.map((s) => [s.domain, s.activeMs, s.visits])).toEqual([
      ['news.example', 15 * MIN, 4],
      ['docs.example', 12 * MIN, 2],
      ['mail.example', 4 * MIN, 1],
    ]);
    expect(history.totalActiveMs).toBe(31 * MIN);
    expect(history.days).toHaveLength(7);
    expect(history.days.find((d) => d.day === '2025-03-10')?.activeMs).toBe(2 * MIN);
    expect(browsers.asOf).toBe(T0);
    expect(across.siteBrowsers).toEqual({
      'news.example': { [OTHER]: 10 * MIN, [ME]: 5 * MIN },
      'docs.example': { [OTHER]: 5 * MIN, [ME]: 7 * MIN },
      'mail.example': { [ME]: 4 * MIN },
    });
    expect(browsers.byBrowser.map((b) => [b.device.id, b.activeMs])).toEqual([
      [ME, 7 * MIN + 3 * MIN + 4 * MIN + 2 * MIN],
      [OTHER, 15 * MIN],
    ]);
  });

  it('has no figures without a summary covering the range', () => {
    expect(rangeAcross({ deviceId: ME, error: 'network', cached: null }, RANGE, [], [])).toBeNull();
  });
});
