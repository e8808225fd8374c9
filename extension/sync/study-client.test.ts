import { describe, expect, it } from 'vitest';
import type { FetchLike } from './http.js';
import { fetchDeviceInfo, isStopCode, postWithdrawal, withdrawalPageUrl } from './study-client.js';
import { apiError, json } from './sync-test-kit.js';

const BASE = 'https://ingest.example/prefix';
const DEVICE = '0190a6f2-0000-7000-8000-00000000000a';
const INFO = {
  deviceId: DEVICE,
  label: null,
  cohort: 'spring-2026',
  studyEndsAt: '2026-03-31T00:00:00.000Z',
  studyEnded: true,
  registeredAt: '2026-01-01T00:00:00.000Z',
};

function answering(res: () => Response): { fetch: FetchLike; seen: [string, RequestInit][] } {
  const seen: [string, RequestInit][] = [];
  return {
    seen,
    fetch: async (url, init) => {
      seen.push([url, init]);
      return res();
    },
  };
}

describe('GET /api/v1/me', () => {
  it('sends the token and reads the cohort and study end', async () => {
    const server = answering(() => json(200, INFO));
    expect(await fetchDeviceInfo({ fetch: server.fetch, baseUrl: BASE, token: 't.t' })).toEqual(
      INFO,
    );
    const [url, init] = server.seen[0] ?? [];
    expect(url).toBe(`${BASE}/api/v1/me`);
    expect(new Headers(init?.headers).get('authorization')).toBe('Bearer t.t');
  });

  it("gives the API's error, or bad_response for an unreadable body", async () => {
    const revoked = answering(() => apiError(403, 'device_revoked', 'Revoked.'));
    expect(
      await fetchDeviceInfo({ fetch: revoked.fetch, baseUrl: BASE, token: 't' }),
    ).toMatchObject({ code: 'device_revoked', status: 403 });
    const odd = answering(() => json(200, { cohort: 1 }));
    expect(await fetchDeviceInfo({ fetch: odd.fetch, baseUrl: BASE, token: 't' })).toMatchObject({
      code: 'bad_response',
    });
  });
});

describe('withdrawal', () => {
  it('POSTs the device id and secret, without a token', async () => {
    const server = answering(() =>
      json(200, { deviceId: DEVICE, deletedVisits: 4, alreadyErased: false }),
    );
    const result = await postWithdrawal({
      fetch: server.fetch,
      baseUrl: BASE,
      deviceId: DEVICE,
      secret: 's3cret',
    });
    expect(result).toEqual({ deviceId: DEVICE, deletedVisits: 4, alreadyErased: false });
    const [url, init] = server.seen[0] ?? [];
    expect(url).toBe(`${BASE}/api/v1/withdraw`);
    expect(init?.method).toBe('POST');
    expect(JSON.parse(String(init?.body))).toEqual({ deviceId: DEVICE, secret: 's3cret' });
    expect(new Headers(init?.headers).has('authorization')).toBe(false);
  });

  it('puts the secret in the fragment of the uninstall page, never in the query', () => {
    const url = new URL(withdrawalPageUrl(BASE, DEVICE, 'a+b/c='));
    expect(url.origin + url.pathname).toBe(`${BASE}/withdraw`);
    expect(url.search).toBe('');
    const params = new URLSearchParams(url.hash.slice(1));
    expect([params.get('d'), params.get('s')]).toEqual([DEVICE, 'a+b/c=']);
  });

  it('knows which codes stop sync for good', () => {
    expect(['study_ended', 'device_revoked', 'unauthorized', 'forbidden'].map(isStopCode)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
