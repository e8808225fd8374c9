/**
 * fetchSummary: asks for the compact summary (v=2) and gives it back as a Summary; a server
 * from before v=2 (it refuses the parameter, or answers the first version) still works.
 */
import { describe, expect, it } from 'vitest';
import type { CompactSummary, Summary } from '#protocol';
import { fetchSummary } from './link-client.js';
import { linkedDevice as device } from './sync-test-kit.js';

const BASE = 'https://tracksphere.example.org';
const A = '0190a6f2-0000-7000-8000-00000000000a';
const B = '0190a6f2-0000-7000-8000-00000000000b';
const RANGE = { from: '2026-12-04', to: '2026-12-05', tz: 'Europe/Berlin' };
const HEAD = {
  ...RANGE,
  generatedAt: '2026-12-05T12:00:00.000Z',
  devices: [device(A, true), device(B, false)],
};
const COMPACT: CompactSummary = {
  v: 2,
  ...HEAD,
  domains: ['z.test', 'a.test'],
  rows: [
    [1, 0, 0, 5_000, 1],
    [0, 0, 1, 1_000, 1],
    [1, 1, 1, 60_000, 2],
  ],
};
const EXPANDED: Summary = {
  ...HEAD,
  rows: [
    { date: '2026-12-04', domain: 'z.test', deviceId: B, activeMs: 1_000, visits: 1 },
    { date: '2026-12-05', domain: 'a.test', deviceId: B, activeMs: 60_000, visits: 2 },
    { date: '2026-12-05', domain: 'z.test', deviceId: A, activeMs: 5_000, visits: 1 },
  ],
};

function server(answer: (url: URL) => Response) {
  const urls: URL[] = [];
  const fetch = async (url: string): Promise<Response> => {
    urls.push(new URL(url));
    return answer(new URL(url));
  };
  return { deps: { fetch, baseUrl: BASE, token: 't' }, urls };
}

describe('fetchSummary', () => {
  it('asks for v=2 and expands it: dates, domains and device ids, sorted', async () => {
    const s = server(() => Response.json(COMPACT));
    expect(await fetchSummary(s.deps, RANGE)).toEqual(EXPANDED);
    expect(s.urls.map((u) => u.searchParams.get('v'))).toEqual(['2']);
  });

  it('asks again without v when the server refuses it, and takes the first version', async () => {
    const s = server((url) =>
      url.searchParams.has('v')
        ? Response.json(
            { error: { code: 'invalid_request', message: 'v: Unrecognized key: "v"' } },
            { status: 400 },
          )
        : Response.json(EXPANDED),
    );
    expect(await fetchSummary(s.deps, RANGE)).toEqual(EXPANDED);
    expect(s.urls.map((u) => u.searchParams.get('v'))).toEqual(['2', null]);
  });

  it('sends since, and asks again without it when the server refuses it', async () => {
    const s = server((url) =>
      url.searchParams.get('since') === 'old'
        ? Response.json(
            { error: { code: 'invalid_request', message: 'since: not a cursor of this server' } },
            { status: 400 },
          )
        : Response.json(COMPACT),
    );
    expect(await fetchSummary(s.deps, { ...RANGE, since: 'old' })).toEqual(EXPANDED);
    expect(s.urls.map((u) => u.searchParams.get('since'))).toEqual(['old', null]);
  });

  it('says bad_response for rows naming a domain or device the answer does not list', async () => {
    const s = server(() => Response.json({ ...COMPACT, rows: [[0, 2, 0, 1, 1]] }));
    expect(await fetchSummary(s.deps, RANGE)).toMatchObject({ code: 'bad_response' });
    const t = server(() => Response.json({ ...COMPACT, rows: [[0, 0, 2, 1, 1]] }));
    expect(await fetchSummary(t.deps, RANGE)).toMatchObject({ code: 'bad_response' });
  });
});
