/**
 * The API's credential cache (AUTH_CACHE_TTL_MS, domain/device-auth.ts) on real PostgreSQL: a
 * revocation or an erase made elsewhere (another pool, the admin command's process) is refused
 * within the TTL (it cannot reach this process: only the expiry sees it), and an erase through
 * this process (DELETE /api/v1/me, the withdrawal) is refused at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRegistered, ErrorBody } from '#protocol';
import { findDeviceCredential } from '../../server/src/data-access/devices-repo.js';
import { createPool, type Pool } from '../../server/src/data-access/pool.js';
import { createDeviceAuthenticator } from '../../server/src/domain/device-auth.js';
import { eraseDeviceData } from '../../server/src/domain/devices.js';
import type { AppError } from '../../server/src/domain/errors.js';
import { revokeDevice } from '../../server/src/domain/study-admin.js';
import { runAdmin } from '../harness/admin-cli.js';
import {
  type HttpResult,
  makeBatch,
  makeEvent,
  postEvents,
  registerDevice,
  request,
} from '../harness/client.js';
import { testLogger } from '../harness/server.js';
import { type Stack, startStack } from './modes.js';

const TTL_MS = 2_000;
/** Scheduling, the poll interval and a loaded machine. */
const MARGIN_MS = 1_500;

const me = (base: string, d: DeviceRegistered): Promise<HttpResult<ErrorBody>> =>
  request<ErrorBody>(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${d.token}` } });

const codeOf = (r: HttpResult<ErrorBody>): string =>
  r.status === 200 ? '200' : `${r.status} ${r.body.error?.code}`;

/** What a revoked device is refused: sending (it may still read and erase its data). */
const send = (base: string, d: DeviceRegistered): Promise<HttpResult<ErrorBody>> =>
  postEvents<ErrorBody>(base, d.token, makeBatch([makeEvent()]));

/** Polls `probe` (GET /me by default) until it answers `code`; the ms from `since` until then. */
async function refusedAfter(
  base: string,
  d: DeviceRegistered,
  code: string,
  since: number,
  probe: (base: string, d: DeviceRegistered) => Promise<HttpResult<ErrorBody>> = me,
): Promise<number> {
  const giveUp = since + TTL_MS + 10_000;
  while (performance.now() < giveUp) {
    const r = await probe(base, d);
    if (codeOf(r) === code) return performance.now() - since;
    expect(codeOf(r)).toBe('200');
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`still accepted ${TTL_MS + 10_000} ms after the change`);
}

describe('credential cache, changes made elsewhere', () => {
  let stack: Stack;
  let base: string;
  let other: Pool;

  beforeAll(async () => {
    stack = await startStack('embedded', { AUTH_CACHE_TTL_MS: String(TTL_MS) });
    base = stack.server.url;
    // Not the API's pool: what another replica or the admin command would use.
    other = createPool(stack.databaseUrl, 1, testLogger('other'));
  });
  afterAll(async () => {
    await other?.end();
    await stack?.stop();
  });

  it('refuses a device revoked through another pool within the TTL', async () => {
    const d = await registerDevice(base);
    expect(codeOf(await send(base, d))).toBe('200'); // now cached
    await revokeDevice(other, d.deviceId, new Date());
    const revokedAt = performance.now();
    const took = await refusedAfter(base, d, '403 device_revoked', revokedAt, send);
    expect(took).toBeLessThanOrEqual(TTL_MS + MARGIN_MS);
  });

  // Erased: also refused by the routes' own reads of the device (GET /me, the quota), so at once.
  it('refuses a device erased by the admin command within the TTL', async () => {
    const d = await registerDevice(base);
    expect(codeOf(await me(base, d))).toBe('200');
    const erase = await runAdmin(['devices', 'erase', d.deviceId, '--json'], {
      DATABASE_URL: stack.databaseUrl,
    });
    expect(erase.code, erase.stderr).toBe(0);
    const erasedAt = performance.now();
    const took = await refusedAfter(base, d, '403 device_deleted', erasedAt);
    expect(took).toBeLessThanOrEqual(TTL_MS + MARGIN_MS);
  });

  it('keeps refusing a wrong secret for a cached device', async () => {
    const d = await registerDevice(base);
    expect(codeOf(await me(base, d))).toBe('200');
    const forged = { ...d, token: `${d.deviceId}.${'A'.repeat(43)}` };
    expect(codeOf(await me(base, forged))).toBe('401 unauthorized');
  });
});

describe('credential cache, erase in this process', () => {
  let stack: Stack;
  let base: string;

  beforeAll(async () => {
    stack = await startStack('embedded', { AUTH_CACHE_TTL_MS: '300000' });
    base = stack.server.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const bearer = (d: DeviceRegistered): string => `Bearer ${d.token}`;
  const refusal = (p: Promise<unknown>): Promise<string> =>
    p.then(
      () => 'accepted',
      (err: AppError) => err.code,
    );

  it('refuses a device erased through this pool at once, though its TTL is far off', async () => {
    // A TTL far longer than the test: only the erase's own invalidation can refuse the token.
    const auth = createDeviceAuthenticator(stack.server.pool, { ttlMs: 300_000 });
    const d = await registerDevice(base);
    expect((await auth.authenticate(bearer(d))).deviceId).toBe(d.deviceId);
    await eraseDeviceData(stack.server.pool, d.deviceId); // what DELETE /api/v1/me runs
    expect(await refusal(auth.authenticate(bearer(d)))).toBe('device_deleted');
  });

  it('(the control) serves a change it is not told of from the cache until the TTL', async () => {
    const auth = createDeviceAuthenticator(stack.server.pool, { ttlMs: 300_000 });
    const d = await registerDevice(base);
    await auth.authenticate(bearer(d));
    await revokeDevice(stack.server.pool, d.deviceId, new Date());
    expect(await refusal(auth.authenticate(bearer(d)))).toBe('accepted');
    const fresh = createDeviceAuthenticator(stack.server.pool, { ttlMs: 0 });
    expect(await refusal(fresh.authenticate(bearer(d)))).toBe('device_revoked');
  });

  it('does not keep a read that was in flight while the device was erased', async () => {
    const d = await registerDevice(base);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let reads = 0;
    const auth = createDeviceAuthenticator(stack.server.pool, {
      ttlMs: 300_000,
      lookup: async (id) => {
        reads++;
        const cred = await findDeviceCredential(stack.server.pool, id);
        await gate; // the erase commits while this (active) answer is on its way
        return cred;
      },
    });
    const first = auth.authenticate(bearer(d));
    await new Promise((r) => setTimeout(r, 100));
    await eraseDeviceData(stack.server.pool, d.deviceId);
    release();
    expect(await refusal(first)).toBe('accepted'); // authenticated before the erase
    expect(await refusal(auth.authenticate(bearer(d)))).toBe('device_deleted');
    expect(reads).toBe(2);
  });

  it('reads a device in use again ahead of its expiry, never answering past the TTL', async () => {
    const d = await registerDevice(base);
    let gate: Promise<void> = Promise.resolve();
    let release: () => void = () => undefined;
    const close = (): void => {
      gate = new Promise<void>((r) => {
        release = r;
      });
    };
    let reads = 0;
    let clock = 0;
    const auth = createDeviceAuthenticator(stack.server.pool, {
      ttlMs: 1_000,
      now: () => clock,
      lookup: async (id) => {
        reads++;
        const cred = await findDeviceCredential(stack.server.pool, id);
        await gate;
        return cred;
      },
    });
    expect(await refusal(auth.authenticate(bearer(d)))).toBe('accepted'); // read 1, sent at 0
    await revokeDevice(stack.server.pool, d.deviceId, new Date());
    clock = 400; // first half of the TTL: from the cache, no read
    expect(await refusal(auth.authenticate(bearer(d)))).toBe('accepted');
    expect(reads).toBe(1);
    close();
    clock = 600; // last half: answered from the cache at once, read 2 begins behind it
    expect(await refusal(auth.authenticate(bearer(d)))).toBe('accepted');
    expect(reads).toBe(2);
    release();
    await new Promise((r) => setTimeout(r, 100));
    clock = 700; // read 2 saw the revocation: refused before the first entry's TTL ran out
    expect(await refusal(auth.authenticate(bearer(d)))).toBe('device_revoked');
    // Past the TTL nothing cached answers: a request waits for its read.
    const e = await registerDevice(base);
    clock = 10_000;
    close();
    const pending = auth.authenticate(bearer(e));
    await new Promise((r) => setTimeout(r, 100));
    let settled = false;
    void pending.finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    release();
    expect(await refusal(pending)).toBe('accepted');
    clock = 11_001; // e's entry (sent at 10,000) expired; its read is held, so must the request be
    close();
    const late = auth.authenticate(bearer(e));
    let lateSettled = false;
    void late.finally(() => {
      lateSettled = true;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(lateSettled).toBe(false);
    release();
    expect(await refusal(late)).toBe('accepted');
  });

  it('DELETE /api/v1/me, then every route refuses the token', async () => {
    const d = await registerDevice(base);
    expect(codeOf(await me(base, d))).toBe('200');
    const erased = await request(`${base}/api/v1/me`, {
      method: 'DELETE',
      headers: { authorization: bearer(d) },
    });
    expect(erased.status).toBe(200);
    expect(codeOf(await me(base, d))).toBe('403 device_deleted');
    const again = await request<ErrorBody>(`${base}/api/v1/me`, {
      method: 'DELETE',
      headers: { authorization: bearer(d) },
    });
    expect(codeOf(again)).toBe('403 device_deleted');
  });
});
