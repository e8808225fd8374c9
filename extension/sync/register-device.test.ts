import { afterEach, describe, expect, it } from 'vitest';
import { freshTestDb } from '../db/db-test-kit.js';
import { getSyncMeta, type TracksphereDb, updateSyncMeta } from '../db/index.js';
import type { FetchLike } from './http.js';
import { RegistrationError, registerDevice } from './register-device.js';
import { apiError, json } from './sync-test-kit.js';

let db: TracksphereDb;
afterEach(async () => {
  await db?.delete();
});

const registration = {
  extensionVersion: '0.1.0',
  browser: { name: 'Firefox', version: '128.0' },
  os: 'Linux',
};
const registered = {
  deviceId: '0190a6f2-0000-7000-8000-0000000000aa',
  token: '0190a6f2-0000-7000-8000-0000000000aa.secret-secret-secret',
};

describe('registerDevice', () => {
  it('posts the registration with the enrollment key and lifts a previous block', async () => {
    db = freshTestDb();
    await updateSyncMeta(db, { blocked: true, attempt: 4, nextAttemptAt: 99 });
    const calls: { url: string; init: RequestInit }[] = [];
    const fetch: FetchLike = async (url, init) => {
      calls.push({ url, init });
      return json(201, registered);
    };
    const out = await registerDevice(
      { fetch, baseUrl: 'https://ingest.example/prefix/', db, enrollmentKey: 'k-123' },
      registration,
    );
    expect(out).toEqual(registered);
    expect(calls[0]?.url).toBe('https://ingest.example/prefix/api/v1/devices');
    const headers = new Headers(calls[0]?.init.headers);
    expect(headers.get('x-enrollment-key')).toBe('k-123');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual(registration);
    expect(await getSyncMeta(db)).toMatchObject({
      blocked: false,
      attempt: 0,
      nextAttemptAt: null,
    });
  });

  it('sends no enrollment header when there is no key', async () => {
    db = freshTestDb();
    let seen: Headers | undefined;
    const fetch: FetchLike = async (_url, init) => {
      seen = new Headers(init.headers);
      return json(201, registered);
    };
    await registerDevice({ fetch, baseUrl: 'https://x', db }, registration);
    expect(seen?.has('x-enrollment-key')).toBe(false);
  });

  it("throws the server's code and message, and keeps a block in place", async () => {
    db = freshTestDb();
    await updateSyncMeta(db, { blocked: true });
    const fetch: FetchLike = async () => apiError(403, 'enrollment_required', 'Needs a key.');
    const failure = registerDevice({ fetch, baseUrl: 'https://x', db }, registration);
    await expect(failure).rejects.toBeInstanceOf(RegistrationError);
    await expect(failure).rejects.toMatchObject({
      error: { code: 'enrollment_required', message: 'Needs a key.', status: 403 },
    });
    expect((await getSyncMeta(db)).blocked).toBe(true);
  });

  it('reports an unreachable server as a network error', async () => {
    db = freshTestDb();
    const fetch: FetchLike = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(
      registerDevice({ fetch, baseUrl: 'https://x', db }, registration),
    ).rejects.toMatchObject({ error: { code: 'network', status: null } });
  });
});
