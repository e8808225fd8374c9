/**
 * All my browsers in the background, with the fake browser and a scripted server: the link
 * calls carry the token and reject with the API's code, and the summary is cached with its
 * fetch time and kept when the server is slow or away. The real server: test/extension/.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { Summary } from '#protocol';
import { allBrowsersSummaryItem, syncConfigItem } from '../settings/index.js';
import { linkedDevice as device } from '../sync/sync-test-kit.js';
import { createLinkHandlers } from './link-sync.js';

const BASE = 'https://tracksphere.example.org';
const DEVICE = '0190a6f2-0000-7000-8000-00000000000a';
const OTHER = '0190a6f2-0000-7000-8000-00000000000b';
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

beforeEach(async () => {
  fakeBrowser.reset();
  await syncConfigItem.setValue({
    enabled: true,
    serverUrl: BASE,
    deviceId: DEVICE,
    token: `${DEVICE}.token`,
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('link calls', () => {
  it('sends the token and the code, and clears the cached summary after linking', async () => {
    await allBrowsersSummaryItem.setValue({ summary: SUMMARY, fetchedAt: T0 });
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
    expect(await allBrowsersSummaryItem.getValue()).toBeNull();
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

  it('shows an answer the storage cannot hold (Chrome: 10 MB), uncached', async () => {
    const server = fakeFetch(() => Response.json(SUMMARY));
    const handlers = createLinkHandlers({ fetch: server.fetch, now: () => T0 + 5 });
    const set = vi
      .spyOn(fakeBrowser.storage.local, 'set')
      .mockRejectedValue(new Error('QUOTA_BYTES quota exceeded'));
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const fresh = await handlers.getAllBrowsersSummary({ ...RANGE, refresh: true });
    expect(set).toHaveBeenCalled();
    expect(fresh).toEqual({
      deviceId: DEVICE,
      cached: { summary: SUMMARY, fetchedAt: T0 + 5 },
      error: null,
    });
    set.mockRestore();
    expect(await allBrowsersSummaryItem.getValue()).toBeNull();
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
    expect((await allBrowsersSummaryItem.getValue())?.summary.cursor).toBe('c2');
  });

  it('keeps the cached summary when the server is away or slower than the timeout', async () => {
    await allBrowsersSummaryItem.setValue({ summary: SUMMARY, fetchedAt: T0 });
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
