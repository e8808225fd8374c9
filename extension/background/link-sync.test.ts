/**
 * All my browsers in the background, with the fake browser and a scripted server: the link
 * calls carry the token and reject with the API's code, and the summary is cached with its
 * fetch time and kept when the server is slow or away. The real server: test/extension/.
 */
import { describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { type CompactSummary, expandSummary, type Summary } from '#protocol';
import { cacheSummary, lastCachedSummary } from '../db/db-test-kit.js';
import type { TracksphereDb } from '../db/index.js';
import { syncConfigItem } from '../settings/index.js';
import { linkedDevice as device, eachRegisteredBrowser } from '../sync/sync-test-kit.js';
import {
  createLinkHandlers as createHandlers,
  forgetAllBrowsersSummaries,
  type LinkRuntime,
} from './link-sync.js';

const BASE = 'https://tracksphere.example.org';
const DEVICE = '0190a6f2-0000-7000-8000-00000000000a';
const OTHER = '0190a6f2-0000-7000-8000-00000000000b';
const THIRD = '0190a6f2-0000-7000-8000-00000000000c';
const T0 = Date.UTC(2026, 11, 5, 12);
const RANGE = { from: '2026-12-05', to: '2026-12-05', tz: 'Europe/Berlin' };

const SUMMARY: Summary = {
  ...RANGE,
  generatedAt: new Date(T0).toISOString(),
  devices: [device(DEVICE, true), device(OTHER, false)],
  rows: [{ date: '2026-12-05', domain: 'a.test', deviceId: OTHER, activeMs: 60_000, visits: 2 }],
};

interface Call {
  method: string;
  url: string;
  auth: string | null;
  body: string | null;
  signal: AbortSignal | null;
}

function fakeFetch(answer: (call: Call) => Promise<Response> | Response) {
  const calls: Call[] = [];
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const call: Call = {
      method: init.method ?? 'GET',
      url,
      auth: new Headers(init.headers).get('authorization'),
      body: (init.body as string | undefined) ?? null,
      signal: init.signal ?? null,
    };
    calls.push(call);
    return answer(call);
  };
  return { fetch, calls };
}

let db: TracksphereDb;
const createLinkHandlers = (rt: Omit<LinkRuntime, 'db'>) => createHandlers({ ...rt, db });

eachRegisteredBrowser(BASE, DEVICE, (d) => {
  db = d;
});

describe('link calls', () => {
  it('sends the token and the code, and clears the cached summary after linking', async () => {
    await cacheSummary(db, { summary: SUMMARY, fetchedAt: T0 });
    const state = { personId: '0190a6f2-0000-7000-8000-0000000000ff', devices: SUMMARY.devices };
    const server = fakeFetch(() => Response.json(state));
    const handlers = createLinkHandlers({ fetch: server.fetch, now: () => T0 });
    await expect(handlers.linkWithCode({ code: 'k7qx-3mrt' })).resolves.toEqual(state);
    expect(server.calls[0]).toMatchObject({
      method: 'POST',
      url: `${BASE}/api/v1/me/link`,
      auth: `Bearer ${DEVICE}.token`,
      body: '{"code":"k7qx-3mrt"}',
    });
    expect(await lastCachedSummary(db)).toBeNull();
    await handlers.unlink({ deviceId: OTHER });
    expect(server.calls[1]).toMatchObject({ method: 'DELETE', body: `{"deviceId":"${OTHER}"}` });
    await handlers.unlink({});
    expect(server.calls[2]).toMatchObject({ method: 'DELETE', body: null });
  });

  it('rejects with the API code: a wrong code, too many tries', async () => {
    const error = (status: number, code: string) =>
      Response.json({ error: { code, message: 'no' } }, { status });
    let next = error(400, 'invalid_link_code');
    const server = fakeFetch(() => next);
    const handlers = createLinkHandlers({ fetch: server.fetch, now: () => T0 });
    await expect(handlers.linkWithCode({ code: 'AAAA' })).rejects.toThrow(/^invalid_link_code:/);
    next = new Response('slow down', { status: 429 });
    await expect(handlers.linkWithCode({ code: 'AAAA' })).rejects.toThrow(/^rate_limited:/);
  });

  it('refuses before asking when the browser is not registered', async () => {
    await syncConfigItem.setValue({ enabled: false, serverUrl: null, deviceId: null, token: null });
    const server = fakeFetch(() => Response.json({}));
    const handlers = createLinkHandlers({ fetch: server.fetch, now: () => T0 });
    await expect(handlers.createLinkCode()).rejects.toThrow(/^not_registered:/);
    expect(server.calls).toHaveLength(0);
  });
});

describe('the summary', () => {
  it('is cached with its fetch time, and the cache answers without the network', async () => {
    const server = fakeFetch(() => Response.json(SUMMARY));
    const handlers = createLinkHandlers({ fetch: server.fetch, now: () => T0 + 5 });
    const fresh = await handlers.getAllBrowsersSummary({ ...RANGE, refresh: true });
    expect(fresh).toEqual({
      deviceId: DEVICE,
      cached: { summary: SUMMARY, fetchedAt: T0 + 5 },
      error: null,
    });
    expect(new URL(server.calls[0]?.url ?? '').search).toBe(
      '?from=2026-12-05&to=2026-12-05&tz=Europe%2FBerlin&v=2',
    );
    const cached = await handlers.getAllBrowsersSummary({ ...RANGE, refresh: false });
    expect(cached.cached?.fetchedAt).toBe(T0 + 5);
    expect(server.calls).toHaveLength(1);
    // Another zone or days the cache does not cover: nothing cached for them.
    const other = await handlers.getAllBrowsersSummary({ ...RANGE, tz: 'UTC', refresh: false });
    expect(other.cached).toBeNull();
  });

  it('shows an answer the database refuses (its quota), uncached', async () => {
    const server = fakeFetch(() => Response.json(SUMMARY));
    const handlers = createLinkHandlers({ fetch: server.fetch, now: () => T0 + 5 });
    const put = vi
      .spyOn(db.summaryDays, 'bulkPut')
      .mockRejectedValue(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const fresh = await handlers.getAllBrowsersSummary({ ...RANGE, refresh: true });
    expect(put).toHaveBeenCalled();
    expect(fresh).toEqual({
      deviceId: DEVICE,
      cached: { summary: SUMMARY, fetchedAt: T0 + 5 },
      error: null,
    });
    put.mockRestore();
    // Nothing half written: no head without its days.
    expect(await db.summaryRanges.count()).toBe(0);
    expect(await lastCachedSummary(db)).toBeNull();
  });

  it('does not cache an answer asked for before an unlink or erase and received after it', async () => {
    let answer: (response: Response) => void = () => undefined;
    const server = fakeFetch(() => new Promise<Response>((resolve) => (answer = resolve)));
    const handlers = createLinkHandlers({ fetch: server.fetch, now: () => T0 + 5 });
    const reply = handlers.getAllBrowsersSummary({ ...RANGE, refresh: true });
    await vi.waitFor(() => expect(server.calls).toHaveLength(1));
    await forgetAllBrowsersSummaries(db);
    answer(Response.json(SUMMARY));
    expect(await reply).toEqual({ deviceId: DEVICE, cached: null, error: null });
    expect(await db.summaryRanges.count()).toBe(0);
    expect(await db.summaryDays.count()).toBe(0);
  });

  it('asks with the cached cursor for the days changed since, and merges them day-wise', async () => {
    const first: Summary = {
      ...SUMMARY,
      cursor: 'c1',
      complete: true,
      rows: [
        { date: '2026-12-05', domain: 'a.test', deviceId: OTHER, activeMs: 60_000, visits: 2 },
        { date: '2026-12-05', domain: 'b.test', deviceId: OTHER, activeMs: 1_000, visits: 1 },
        { date: '2026-12-05', domain: 'b.test', deviceId: DEVICE, activeMs: 9_000, visits: 3 },
      ],
    };
    // OTHER's day changed: its rows replaced whole (b.test gone), DEVICE's kept; the
    // watermarks and the cursor are the answer's.
    const next: Summary = {
      ...SUMMARY,
      generatedAt: new Date(T0 + 60_000).toISOString(),
      appliedSeq: 7,
      cursor: 'c2',
      complete: false,
      changed: [{ date: '2026-12-05', deviceId: OTHER }],
      rows: [
        { date: '2026-12-05', domain: 'a.test', deviceId: OTHER, activeMs: 90_000, visits: 3 },
      ],
    };
    const answers = [first, next];
    const server = fakeFetch(() => Response.json(answers.shift()));
    const handlers = createLinkHandlers({ fetch: server.fetch, now: () => T0 + 5 });
    await handlers.getAllBrowsersSummary({ ...RANGE, refresh: true });
    const merged = await handlers.getAllBrowsersSummary({ ...RANGE, refresh: true });
    expect(new URL(server.calls[0]?.url ?? '').searchParams.get('since')).toBeNull();
    expect(new URL(server.calls[1]?.url ?? '').searchParams.get('since')).toBe('c1');
    const { changed: _changed, ...head } = next;
    expect(merged.cached?.summary).toEqual({
      ...head,
      complete: true,
      rows: [
        { date: '2026-12-05', domain: 'a.test', deviceId: OTHER, activeMs: 90_000, visits: 3 },
        { date: '2026-12-05', domain: 'b.test', deviceId: DEVICE, activeMs: 9_000, visits: 3 },
      ],
    });
    expect((await lastCachedSummary(db))?.summary.cursor).toBe('c2');
  });

  it('writes only the changed days of the same range: a refresh of a year is not 365 rows', async () => {
    const days = ['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05'];
    const week = { ...RANGE, from: days[0] as string };
    const row = (date: string, deviceId: string, activeMs: number) => ({
      date,
      domain: 'a.test',
      deviceId,
      activeMs,
      visits: 1,
    });
    const first: Summary = {
      ...SUMMARY,
      ...week,
      cursor: 'c1',
      complete: true,
      rows: days.map((d) => row(d, OTHER, 1_000)),
    };
    // 12-03 changed, 12-04 lost its only row (an erase).
    const next: Summary = {
      ...first,
      cursor: 'c2',
      complete: false,
      changed: [
        { date: '2026-12-03', deviceId: OTHER },
        { date: '2026-12-04', deviceId: OTHER },
      ],
      rows: [row('2026-12-03', OTHER, 5_000)],
    };
    const answers = [first, next];
    const server = fakeFetch(() => Response.json(answers.shift()));
    const handlers = createLinkHandlers({ fetch: server.fetch, now: () => T0 + 5 });
    await handlers.getAllBrowsersSummary({ ...week, refresh: true });
    const written: string[] = [];
    const bulkPut = db.summaryDays.bulkPut.bind(db.summaryDays);
    vi.spyOn(db.summaryDays, 'bulkPut').mockImplementation(((rows: { date: string }[]) => {
      written.push(...rows.map((r) => r.date));
      return bulkPut(rows as never);
    }) as never);
    const merged = await handlers.getAllBrowsersSummary({ ...week, refresh: true });
    expect(written).toEqual(['2026-12-03']);
    const rows = ['2026-12-01', '2026-12-02', '2026-12-05'].map((d) => row(d, OTHER, 1_000));
    rows.splice(2, 0, row('2026-12-03', OTHER, 5_000));
    expect(merged.cached?.summary.rows).toEqual(rows);
    // What is stored reads back as the whole merged summary.
    expect((await lastCachedSummary(db))?.summary).toEqual(merged.cached?.summary);
  });

  it('keeps the cached summary when the server is away or slower than the timeout', async () => {
    await cacheSummary(db, { summary: SUMMARY, fetchedAt: T0 });
    const away = fakeFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    const offline = await createLinkHandlers({
      fetch: away.fetch,
      now: () => T0 + 60_000,
    }).getAllBrowsersSummary({ ...RANGE, refresh: true });
    expect(offline).toMatchObject({ error: 'network', cached: { fetchedAt: T0 } });

    // A server that never answers: the request is aborted by its (3 s) timeout.
    const hang = fakeFetch(
      (call) =>
        new Promise<Response>((_, reject) =>
          call.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
    );
    const started = Date.now();
    const slow = await createLinkHandlers({
      fetch: hang.fetch,
      now: () => T0,
    }).getAllBrowsersSummary({ ...RANGE, refresh: true });
    expect(slow).toMatchObject({ error: 'timeout', cached: { fetchedAt: T0 } });
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 10_000);
});

/**
 * storage.local as Chrome keeps it: 10 MB (QUOTA_BYTES) of keys and JSON values; a write past it
 * is refused. WXT's fake browser holds any amount.
 */
async function enforceChromeQuota(): Promise<void> {
  const local = fakeBrowser.storage.local;
  const set = local.set.bind(local);
  const bytes = (items: Record<string, unknown>) =>
    Object.entries(items).reduce(
      (n, [key, value]) => n + key.length + JSON.stringify(value).length,
      0,
    );
  vi.spyOn(local, 'set').mockImplementation(async (items: Record<string, unknown>) => {
    if (bytes({ ...(await local.get(null)), ...items }) > 10 * 1024 * 1024) {
      throw new Error('QUOTA_BYTES quota exceeded');
    }
    return set(items);
  });
}

describe('a busy year of three browsers', () => {
  // 157 sites a day in each browser for a year: 171,915 rows, 22 MB as Summary JSON.
  const year = { from: '2025-12-06', to: '2026-12-05', tz: 'Europe/Berlin' };
  const devices = [device(DEVICE, true), device(OTHER, false), device(THIRD, false)];
  const domains = Array.from({ length: 400 }, (_, i) => `site-${i}.example.com`);
  const rows: CompactSummary['rows'] = [];
  for (let day = 0; day < 365; day++) {
    for (let site = 0; site < 157; site++) {
      for (let dev = 0; dev < 3; dev++)
        rows.push([day, (site * 2 + day) % 400, dev, 1_000 + site, 1]);
    }
  }
  const whole: CompactSummary = {
    v: 2,
    ...year,
    generatedAt: new Date(T0).toISOString(),
    devices,
    cursor: 'year-1',
    complete: true,
    domains,
    rows,
  };
  // The next day: the first day out, the new one in (one site in the other browser so far).
  const nextDay = { from: '2025-12-07', to: '2026-12-06', tz: year.tz };
  const changes: CompactSummary = {
    ...whole,
    ...nextDay,
    generatedAt: new Date(T0 + 86_400_000).toISOString(),
    cursor: 'year-2',
    complete: false,
    changed: [
      [364, 0],
      [364, 1],
      [364, 2],
    ],
    rows: [[364, 7, 1, 60_000, 2]],
  };

  it('is cached though over 10 MB, and the next day asks with its cursor for what changed', async () => {
    await enforceChromeQuota();
    const expanded = expandSummary(whole);
    expect(expanded?.rows).toHaveLength(171_915);
    expect(JSON.stringify(expanded).length).toBeGreaterThan(20 * 1024 * 1024);

    const answers = [whole, changes];
    const server = fakeFetch(() => Response.json(answers.shift()));
    const today = createLinkHandlers({ fetch: server.fetch, now: () => T0 });
    const first = await today.getAllBrowsersSummary({ ...year, refresh: true });
    expect(first.cached?.summary.rows).toHaveLength(171_915);

    const tomorrow = createLinkHandlers({ fetch: server.fetch, now: () => T0 + 86_400_000 });
    // Shown at once from the cache (the 364 days in common), before the server answers.
    const atOnce = await tomorrow.getAllBrowsersSummary({ ...year, refresh: false });
    expect(atOnce.cached).toMatchObject({ fetchedAt: T0, summary: { cursor: 'year-1' } });
    const next = await tomorrow.getAllBrowsersSummary({ ...nextDay, refresh: true });
    expect(server.calls).toHaveLength(2);
    expect(new URL(server.calls[1]?.url ?? '').searchParams.get('since')).toBe('year-1');
    const merged = next.cached?.summary;
    expect(merged).toMatchObject({ ...nextDay, cursor: 'year-2', complete: true });
    expect(merged?.rows).toHaveLength(171_915 - 3 * 157 + 1);
    expect(merged?.rows.at(-1)).toEqual({
      date: '2026-12-06',
      domain: 'site-7.example.com',
      deviceId: OTHER,
      activeMs: 60_000,
      visits: 2,
    });
    // The merge is cached in place of the year it was made from.
    expect((await lastCachedSummary(db))?.summary).toEqual(merged);
    expect(await db.summaryRanges.count()).toBe(1);
    expect(await db.summaryDays.count()).toBe(365);
  }, 60_000);

  it('is forgotten whole by an unlink: no row of another browser is left', async () => {
    const server = fakeFetch((call) =>
      call.method === 'DELETE'
        ? Response.json({ personId: null, devices: [devices[0]] })
        : Response.json(whole),
    );
    const handlers = createLinkHandlers({ fetch: server.fetch, now: () => T0 });
    await handlers.getAllBrowsersSummary({ ...year, refresh: true });
    expect(await db.summaryDays.count()).toBe(365);
    await handlers.unlink({});
    expect(await db.summaryRanges.count()).toBe(0);
    expect(await db.summaryDays.count()).toBe(0);
    const after = await handlers.getAllBrowsersSummary({ ...year, refresh: false });
    expect(after.cached).toBeNull();
  }, 60_000);
});

describe('the summaries storage.local kept before the database', () => {
  it('are removed on the first look at the cache, not carried over', async () => {
    await fakeBrowser.storage.local.set({
      allBrowsersSummary: { summary: SUMMARY, fetchedAt: T0 },
      allBrowsersSummary$: { v: 1 },
      allBrowsersRanges: [{ summary: SUMMARY, fetchedAt: T0 }],
      allBrowsersRanges$: { v: 1 },
    });
    const handlers = createLinkHandlers({
      fetch: fakeFetch(() => Response.json({})).fetch,
      now: () => T0,
    });
    const reply = await handlers.getAllBrowsersSummary({ ...RANGE, refresh: false });
    expect(reply.cached).toBeNull();
    const left = await fakeBrowser.storage.local.get(null);
    expect(Object.keys(left).filter((key) => key.startsWith('allBrowsers'))).toEqual([]);
    expect(left).toHaveProperty('syncConfig');
  });
});
