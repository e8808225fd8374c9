/**
 * All my browsers' cache under concurrency: requests that overlap (a page's ranges switched
 * quickly, two tabs, a limit's ask beside a page's), a forgetting in between, credentials
 * forgotten with cached figures left, and another browser's unlink seen only in an answer.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Summary, SummaryRow } from '#protocol';
import { cacheSummary } from '../db/db-test-kit.js';
import type { TracksphereDb } from '../db/index.js';
import { syncConfigItem } from '../settings/index.js';
import { linkedDevice as device, eachRegisteredBrowser } from '../sync/sync-test-kit.js';
import { acrossBrowsers } from './limit-across.js';
import { createLinkHandlers } from './link-sync.js';
import { forgetCredentials } from './study-sync.js';

const BASE = 'https://tracksphere.example.org';
const DEVICE = '0190a6f2-0000-7000-8000-00000000000a';
const OTHER = '0190a6f2-0000-7000-8000-00000000000b';
const T0 = Date.UTC(2026, 11, 5, 12);
const DAY = 86_400_000;
const TZ = 'Europe/Berlin';

const row = (date: string, deviceId: string, domain = 'a.test'): SummaryRow => ({
  date,
  domain,
  deviceId,
  activeMs: 60_000,
  visits: 1,
});

let db: TracksphereDb;
eachRegisteredBrowser(BASE, DEVICE, (d) => {
  db = d;
});

/** A server whose answers the test releases one by one, by the range asked for. */
function heldServer(whole: Summary | null = null) {
  const waiting = new Map<string, (r: Response) => void>();
  const calls: string[] = [];
  const fetch = (url: string) => {
    const u = new URL(url);
    const key = `${u.searchParams.get('from')}..${u.searchParams.get('to')}`;
    calls.push(`${key} since=${u.searchParams.get('since')}`);
    if (whole !== null && u.searchParams.get('since') === null) {
      const from = u.searchParams.get('from') as string;
      const to = u.searchParams.get('to') as string;
      return Promise.resolve(
        Response.json({
          ...whole,
          from,
          to,
          cursor: 'w',
          complete: true,
          rows: whole.rows.filter((r) => r.date >= from && r.date <= to),
        }),
      );
    }
    return new Promise<Response>((resolve, reject) => {
      waiting.set(key, resolve);
      waiting.set(`fail ${key}`, () => reject(new TypeError('Failed to fetch')) as never);
    });
  };
  const release = (key: string, body: unknown) => waiting.get(key)?.(Response.json(body));
  const fail = (key: string) => waiting.get(`fail ${key}`)?.(undefined as never);
  return { fetch, calls, release, fail, waiting };
}

// Yesterday's 5 days (the "12 months" of this small world), cached with a cursor.
const Y: Summary = {
  from: '2026-12-01',
  to: '2026-12-05',
  tz: TZ,
  generatedAt: new Date(T0).toISOString(),
  devices: [device(DEVICE, true), device(OTHER, false)],
  cursor: 'y1',
  complete: true,
  rows: ['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05'].map((d) =>
    row(d, OTHER),
  ),
};
// Today: the long range moved a day (supersedes Y), and a short range inside it.
const LONG = { from: '2026-12-02', to: '2026-12-06', tz: TZ };
const SHORT = { from: '2026-12-04', to: '2026-12-06', tz: TZ };
// What the server holds today: Y's rows and 12-06's.
const WHOLE: Summary = { ...Y, rows: [...Y.rows, row('2026-12-06', OTHER)] };
const incremental = (range: typeof LONG): Summary => ({
  ...Y,
  ...range,
  generatedAt: new Date(T0 + DAY).toISOString(),
  cursor: `c-${range.from}`,
  complete: false,
  changed: [{ date: '2026-12-06', deviceId: OTHER }],
  rows: [row('2026-12-06', OTHER)],
});

describe('a base dropped by a concurrent store', () => {
  it('a short range merged from a base the long range replaced keeps its cached days', async () => {
    await cacheSummary(db, { summary: Y, fetchedAt: T0 });
    const server = heldServer(WHOLE);
    const h = createLinkHandlers({ fetch: server.fetch, now: () => T0 + DAY, db });
    // The options page: "12 months" then, quickly, "30 days" (the first request is not aborted).
    const long = h.getAllBrowsersSummary({ ...LONG, refresh: true });
    const short = h.getAllBrowsersSummary({ ...SHORT, refresh: true });
    await vi.waitFor(() => expect(server.calls.length).toBeGreaterThanOrEqual(2));
    expect(server.calls.slice(0, 2)).toEqual([
      '2026-12-02..2026-12-06 since=y1',
      '2026-12-04..2026-12-06 since=y1',
    ]);
    server.release('2026-12-02..2026-12-06', incremental(LONG));
    await long; // Y is merged into LONG and deleted.
    server.release('2026-12-04..2026-12-06', incremental(SHORT));
    const reply = await short;
    // What a full answer would be: OTHER's 12-04, 12-05 and 12-06.
    expect(reply.cached?.summary.rows.map((r) => r.date)).toEqual([
      '2026-12-04',
      '2026-12-05',
      '2026-12-06',
    ]);
  });

  it('a refresh failing after its shown summary was replaced shows no head without its rows', async () => {
    await cacheSummary(db, { summary: Y, fetchedAt: T0 });
    const server = heldServer();
    const h = createLinkHandlers({ fetch: server.fetch, now: () => T0 + DAY, db });
    const RANGE = { from: '2026-12-03', to: '2026-12-04', tz: TZ }; // shown from Y
    const long = h.getAllBrowsersSummary({ ...LONG, refresh: true });
    const view = h.getAllBrowsersSummary({ ...RANGE, refresh: true });
    await vi.waitFor(() => expect(server.calls).toHaveLength(2));
    server.release('2026-12-02..2026-12-06', incremental(LONG));
    await long;
    server.fail('2026-12-03..2026-12-04');
    const reply = await view;
    expect(reply.error).toBe('network');
    // Y's head would be shown with none of its rows ("as of" with zero for every browser).
    expect(reply.cached === null || reply.cached.summary.rows.length === 2).toBe(true);
  });
});

describe('another set of linked browsers', () => {
  it('an answer counting other browsers drops the cached ranges of the ones unlinked elsewhere', async () => {
    const month: Summary = {
      ...Y,
      rows: [row('2026-12-03', OTHER, 'secret.example'), row('2026-12-03', DEVICE)],
    };
    await cacheSummary(db, { summary: month, fetchedAt: T0 });
    // OTHER unlinked itself from its own browser: the server's answers now count DEVICE alone.
    const today = { from: '2026-12-06', to: '2026-12-06', tz: TZ };
    const fetch = async () =>
      Response.json({
        ...today,
        generatedAt: new Date(T0 + DAY).toISOString(),
        devices: [device(DEVICE, true)],
        cursor: 'd1',
        complete: true,
        rows: [row('2026-12-06', DEVICE)],
      } satisfies Summary);
    const h = createLinkHandlers({ fetch, now: () => T0 + DAY, db });
    const fresh = await h.getAllBrowsersSummary({ ...today, refresh: true });
    expect(fresh.cached?.summary.devices.map((d) => d.id)).toEqual([DEVICE]);
    // Offline, or before the refresh answers: the month still shows the unlinked browser's site.
    const shown = await h.getAllBrowsersSummary({ ...Y, refresh: false });
    expect(shown.cached?.summary.rows.some((r) => r.deviceId === OTHER) ?? false).toBe(false);
  });
});

describe('credentials forgotten', () => {
  it('clears the cached figures before the credentials: a failed clear leaves the token to retry with', async () => {
    await cacheSummary(db, { summary: Y, fetchedAt: T0 });
    // The worker dies (or the database fails) while clearing: the credentials stay.
    vi.spyOn(db.summaryRanges, 'clear').mockRejectedValue(new Error('worker gone'));
    await expect(forgetCredentials(db, BASE)).rejects.toThrow();
    vi.restoreAllMocks();
    expect((await syncConfigItem.getValue()).token).toBe(`${DEVICE}.token`);
    // Done again, it clears both.
    await forgetCredentials(db, BASE);
    expect((await syncConfigItem.getValue()).token).toBeNull();
    const h = createLinkHandlers({ fetch: async () => Response.json({}), now: () => T0, db });
    expect((await h.getAllBrowsersSummary({ ...Y, refresh: true })).cached).toBeNull();
  });
});

describe('more overlapping requests', () => {
  it('two pages refreshing the moved year at once: the second does not cache the changes alone', async () => {
    await cacheSummary(db, { summary: Y, fetchedAt: T0 });
    // Two requests of the same range: two options tabs, or the page's effect run twice.
    let n = 0;
    const held: Array<() => void> = [];
    const fetch = (url: string) =>
      new URL(url).searchParams.get('since') === null
        ? Promise.resolve(
            Response.json({
              ...WHOLE,
              ...LONG,
              cursor: 'w',
              complete: true,
              rows: WHOLE.rows.filter((r) => r.date >= LONG.from),
            }),
          )
        : new Promise<Response>((resolve) => {
            n += 1;
            held.push(() => resolve(Response.json(incremental(LONG))));
          });
    const h = createLinkHandlers({ fetch, now: () => T0 + DAY, db });
    const a = h.getAllBrowsersSummary({ ...LONG, refresh: true });
    const b = h.getAllBrowsersSummary({ ...LONG, refresh: true });
    await vi.waitFor(() => expect(n).toBe(2));
    held[0]?.();
    expect((await a).cached?.summary.rows).toHaveLength(5);
    held[1]?.();
    await b;
    // Without a check that its base is still there, the second merge cached today's rows alone
    // as the whole year, with a cursor the next view asks with: the other days stayed missing.
    const later = await h.getAllBrowsersSummary({ ...LONG, refresh: false });
    expect(later.cached?.summary.rows).toHaveLength(5);
  });

  it('limits count no other browser from a cache the credentials outlived', async () => {
    await cacheSummary(db, { summary: Y, fetchedAt: T0 });
    await syncConfigItem.setValue({ enabled: false, serverUrl: BASE, deviceId: null, token: null });
    const across = await acrossBrowsers(
      { db, now: () => T0, timeZone: TZ },
      '2026-12-05',
      () => '2026-12-05',
    );
    expect(across.rows).toBeNull();
  });
});

describe('a refresh failing after a forgetting', () => {
  it('a refresh failing after an unlink answers nothing cached (no unlinked browser named)', async () => {
    await cacheSummary(db, { summary: Y, fetchedAt: T0 });
    const server = heldServer();
    const h = createLinkHandlers({ fetch: server.fetch, now: () => T0 + 1, db });
    const view = h.getAllBrowsersSummary({ ...Y, refresh: true });
    await vi.waitFor(() => expect(server.calls).toHaveLength(1));
    const { forgetAllBrowsersSummaries } = await import('./link-sync.js');
    await forgetAllBrowsersSummaries(db); // the unlink's clearing
    server.fail('2026-12-01..2026-12-05');
    const reply = await view;
    expect(reply.cached).toBeNull();
  });
});
