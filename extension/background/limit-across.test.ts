/**
 * Limits that count all linked browsers: the cached summary of today plus this browser's visits
 * it lacks, each counted once; the summary refreshed in the background without a notice firing
 * twice; this browser's own time when no summary is at hand.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { cacheSummary, lastCachedSummary, makeVisit } from '../db/db-test-kit.js';
import { clearCachedSummaries, recordFinishedVisits } from '../db/index.js';
import { MESSAGE_DATA } from '../messaging/message-schemas.js';
import type { SummaryRange } from '../messaging/protocol.js';
import { consentItem, syncConfigItem } from '../settings/index.js';
import { limitsItem } from '../settings/limit-items.js';
import type { CachedRangeSummary } from '../stats/summary-cache.js';
import { cachedSummary } from '../sync/sync-test-kit.js';
import { CHECKPOINT_ALARM } from './alarms.js';
import { createHarness, type Harness, MIN, SEC, T0, utcDayOf } from './background-test-kit.js';
import { SUMMARY_REFRESH_MS } from './limit-across.js';
import { createLimitHandlers, type LimitHandlers } from './limit-handlers.js';
import { createLimitWatch, type LimitNotice, type LimitWatchDeps } from './limit-watch.js';
import { readTrackerStatus } from './tracker-status.js';

const ME = '0190a6f2-0000-7000-8000-00000000000a';
const OTHER = '0190a6f2-0000-7000-8000-00000000000b';
/** T0's day (UTC, the tests' zone). */
const DAY = '2025-01-06';
const checkpoint = { name: CHECKPOINT_ALARM };

/** The summary as received at `fetchedAt`: per row [day, domain, device, minutes]. */
function summary(fetchedAt: number, rows: [string, string, string, number][]): CachedRangeSummary {
  return cachedSummary(
    ME,
    OTHER,
    DAY,
    fetchedAt,
    rows.map(([date, domain, deviceId, minutes]) => ({
      date,
      domain,
      deviceId,
      activeMs: minutes * MIN,
      visits: 1,
    })),
  );
}

describe('limits counting all linked browsers', () => {
  let h: Harness;
  let deps: LimitWatchDeps;
  let handlers: LimitHandlers;
  let notices: LimitNotice[];
  let asks: SummaryRange[];
  /** What the server answers next: cached as received now; null: unreachable (nothing cached). */
  let serverAnswer: [string, string, string, number][] | null;
  /** This browser's visit of 1 minute the server has not acknowledged yet. */
  let pendingId: string;

  beforeEach(async () => {
    fakeBrowser.reset();
    await consentItem.setValue(true);
    await syncConfigItem.setValue({
      enabled: true,
      serverUrl: 'https://tracksphere.test',
      deviceId: ME,
      token: 'token',
    });
    notices = [];
    asks = [];
    serverAnswer = null;
    h = createHarness({
      checkLimits: (tracker, db, now) => {
        deps = {
          db,
          now,
          dayOf: utcDayOf,
          timeZone: 'UTC',
          status: () => readTrackerStatus({ tracker, now, activeTab: async () => undefined }),
          notify: async (notice) => {
            notices.push(notice);
            return true;
          },
          setTimer: () => () => undefined,
          async refreshSummary(range) {
            asks.push(range);
            if (serverAnswer !== null) {
              await cacheSummary(db, summary(now(), serverAnswer));
            }
          },
        };
        return createLimitWatch(deps);
      },
    });
    handlers = createLimitHandlers(deps);
    // This browser today: 1 minute acknowledged before the summary (so in it), 1 minute not.
    const acked = makeVisit({ at: T0 - 2 * 3_600_000, domain: 'www.example.com', activeMs: MIN });
    const pending = makeVisit({ at: T0 - 3_600_000, domain: 'example.com', activeMs: MIN });
    pendingId = pending.id;
    await recordFinishedVisits(h.db, [acked, pending], { syncEnabled: true, dayOf: utcDayOf });
    await h.db.visits.update(acked.id, { syncState: 'sent', sentAt: T0 - 3_600_000 });
    await cacheSummary(
      h.db,
      summary(T0 - 10 * SEC, [
        [DAY, 'example.com', ME, 1],
        [DAY, 'www.example.com', OTHER, 6],
        [DAY, 'other.net', OTHER, 30],
        ['2025-01-05', 'example.com', OTHER, 50],
      ]),
    );
  });

  afterEach(() => {
    vi.restoreAllMocks();
    expect(h.errors).toEqual([]);
  });

  const used = async (): Promise<Record<string, number>> =>
    Object.fromEntries(
      (await handlers.getLimits(undefined)).limits.map((l) => [l.target, l.usedMs]),
    );

  it('counts the summary of today and this browser’s unacknowledged visits, each once', async () => {
    const reply = await handlers.setLimit({
      target: 'www.example.com',
      limitMs: 10 * MIN,
      holdMeToIt: false,
      allBrowsers: true,
    });
    expect(reply.limits).toMatchObject([{ target: 'example.com', allBrowsers: true }]);
    await handlers.setLimit({ target: 'other.net', limitMs: 60 * MIN, holdMeToIt: false });
    expect(await limitsItem.getValue()).toEqual([
      { target: 'example.com', limitMs: 10 * MIN, holdMeToIt: false, allBrowsers: true },
      { target: 'other.net', limitMs: 60 * MIN, holdMeToIt: false },
    ]);
    // example.com: the summary's 1 (this browser's, acknowledged) + 6 (the other's) + this
    // browser's pending 1; yesterday's 50 do not count. other.net counts this browser only.
    expect(await used()).toEqual({ 'example.com': 8 * MIN, 'other.net': 0 });

    // A newer summary of another range (another zone's: a page's) does not hide today's.
    const stored = await lastCachedSummary(h.db);
    if (stored === null) throw new Error('no summary');
    await cacheSummary(h.db, {
      fetchedAt: stored.fetchedAt + 1,
      summary: { ...stored.summary, tz: 'Asia/Tokyo' },
    });
    expect(await used()).toEqual({ 'example.com': 8 * MIN, 'other.net': 0 });
    // Without a summary of today the limit counts this browser's time.
    await clearCachedSummaries(h.db);
    expect(await used()).toEqual({ 'example.com': 2 * MIN, 'other.net': 0 });

    const schema = MESSAGE_DATA.setLimit;
    expect(
      schema.safeParse({ target: 'a.org', limitMs: MIN, holdMeToIt: false, allBrowsers: true })
        .success,
    ).toBe(true);
    expect(
      schema.safeParse({ target: 'a.org', limitMs: MIN, holdMeToIt: false, allBrowsers: 'yes' })
        .success,
    ).toBe(false);
  });

  it('refreshes the summary in the background; each notice fires once across refreshes', async () => {
    await limitsItem.setValue([
      { target: 'example.com', limitMs: 10 * MIN, holdMeToIt: false, allBrowsers: true },
    ]);
    await h.on.onAlarm(checkpoint);
    expect(notices).toEqual([
      { target: 'example.com', threshold: 80, usedMs: 8 * MIN, limitMs: 10 * MIN },
    ]);
    expect(asks).toEqual([]);

    // Two minutes on: a new summary, in which the pending visit has arrived (and is
    // acknowledged here): the same 8 minutes, and no second notice.
    await h.db.visits.update(pendingId, { syncState: 'sent', sentAt: T0 + MIN });
    serverAnswer = [
      [DAY, 'example.com', ME, 2],
      [DAY, 'www.example.com', OTHER, 6],
    ];
    h.clock.advance(SUMMARY_REFRESH_MS);
    await h.on.onAlarm(checkpoint);
    await vi.waitFor(() => expect(asks).toEqual([{ from: DAY, to: DAY, tz: 'UTC' }]));
    await h.on.onAlarm(checkpoint);
    expect((await lastCachedSummary(h.db))?.fetchedAt).toBe(h.clock.now);
    expect(await used()).toEqual({ 'example.com': 8 * MIN });
    expect(notices).toHaveLength(1);

    // The other browser reaches the limit: the next refresh brings its time, 100% fires once.
    serverAnswer = [
      [DAY, 'example.com', ME, 2],
      [DAY, 'www.example.com', OTHER, 8],
    ];
    h.clock.advance(SUMMARY_REFRESH_MS);
    await h.on.onAlarm(checkpoint);
    await vi.waitFor(() => expect(asks).toHaveLength(2));
    await h.on.onAlarm(checkpoint);
    expect(notices.map((n) => [n.threshold, n.usedMs])).toEqual([
      [80, 8 * MIN],
      [100, 10 * MIN],
    ]);
    h.clock.advance(SUMMARY_REFRESH_MS);
    await h.on.onAlarm(checkpoint);
    await vi.waitFor(() => expect(asks).toHaveLength(3));
    await h.on.onAlarm(checkpoint);
    expect(notices).toHaveLength(2);
  });

  it('asks an unreachable server at most every two minutes; a limit of this browser never asks', async () => {
    await clearCachedSummaries(h.db);
    await limitsItem.setValue([
      { target: 'example.com', limitMs: 10 * MIN, holdMeToIt: false, allBrowsers: true },
    ]);
    await h.on.onAlarm(checkpoint);
    await vi.waitFor(() => expect(asks).toHaveLength(1));
    h.clock.advance(MIN);
    await h.on.onAlarm(checkpoint);
    await h.on.onAlarm(checkpoint);
    expect(asks).toHaveLength(1);
    h.clock.advance(MIN);
    await h.on.onAlarm(checkpoint);
    await vi.waitFor(() => expect(asks).toHaveLength(2));
    // The check that follows an ask is over before the limits change.
    await h.on.onAlarm(checkpoint);
    expect(asks).toHaveLength(2);
    expect(await used()).toEqual({ 'example.com': 2 * MIN });
    expect(notices).toEqual([]);

    await limitsItem.setValue([{ target: 'example.com', limitMs: 10 * MIN, holdMeToIt: false }]);
    h.clock.advance(SUMMARY_REFRESH_MS);
    await h.on.onAlarm(checkpoint);
    await h.on.onAlarm(checkpoint);
    expect(asks).toHaveLength(2);
  });
});
