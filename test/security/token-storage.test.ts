/**
 * Tokens are stored only as hashes, and the secret is compared with
 * crypto.timingSafeEqual on every authentication, including for unknown
 * devices. The comparison is checked by spying on timingSafeEqual on the real
 * request path, not by measuring time (which would be slow and flaky).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeviceRegistered } from '#protocol';
import { makeBatch, makeEvent, postEvents, registerDevice, request } from '../harness/client.js';
import { type Stack, startStack } from '../server/modes.js';
import { bearer, expectErrorBody } from './error-body.js';

const compare = vi.hoisted(() => ({ calls: [] as [Buffer, Buffer][] }));

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView): boolean => {
      compare.calls.push([Buffer.from(a as Uint8Array), Buffer.from(b as Uint8Array)]);
      return actual.timingSafeEqual(a, b);
    },
  };
});

function secretOf(d: DeviceRegistered): string {
  return d.token.slice(d.token.indexOf('.') + 1);
}

describe('token storage and comparison', () => {
  let stack: Stack;
  let base: string;
  let device: DeviceRegistered;

  beforeAll(async () => {
    stack = await startStack('embedded');
    base = stack.server.url;
    device = await registerDevice(base);
  });
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(() => {
    compare.calls.length = 0;
  });

  it('keeps no token text in the devices or erased_devices tables, only SHA-256 of the secret', async () => {
    const other = await registerDevice(base);
    await request(`${base}/api/v1/me`, { method: 'DELETE', headers: bearer(other.token) });
    const rows = await stack.server.pool.query<{ row: string; hash: Buffer }>(
      `SELECT to_jsonb(d)::text AS row, d.token_hash AS hash FROM devices d WHERE id = $1
       UNION ALL
       SELECT to_jsonb(e)::text, e.token_hash FROM erased_devices e WHERE device_id = $2`,
      [device.deviceId, other.deviceId],
    );
    expect(rows.rows).toHaveLength(2);
    for (const [row, d] of [
      [rows.rows[0], device],
      [rows.rows[1], other],
    ] as const) {
      const secret = secretOf(d);
      const forms = [
        secret,
        Buffer.from(secret).toString('hex'),
        Buffer.from(secret).toString('base64'),
      ];
      for (const form of forms) expect(row?.row).not.toContain(form);
      expect(row?.hash.equals(createHash('sha256').update(secret).digest())).toBe(true);
    }
  });

  it('refuses the right id with a wrong secret of the same length, via timingSafeEqual', async () => {
    const secret = secretOf(device);
    const wrong = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    expect(wrong).toHaveLength(secret.length);
    const res = await postEvents(base, `${device.deviceId}.${wrong}`, makeBatch([makeEvent()]));
    expectErrorBody(res, 'unauthorized');
    expect(compare.calls).toHaveLength(1);
    const [presented, stored] = compare.calls[0] ?? [];
    expect(presented?.equals(createHash('sha256').update(wrong).digest())).toBe(true);
    expect(stored?.length).toBe(32);
  });

  it('compares the secret of an unknown device too, so timing does not reveal which ids exist', async () => {
    const res = await postEvents(
      base,
      `0190a6f2-dead-7000-8000-000000000000.${secretOf(device)}`,
      makeBatch([makeEvent()]),
    );
    expectErrorBody(res, 'unauthorized');
    expect(compare.calls).toHaveLength(1);
  });

  it('accepts the right token through the same comparison', async () => {
    const res = await postEvents(base, device.token, makeBatch([makeEvent()]));
    expect(res.status).toBe(200);
    expect(compare.calls).toHaveLength(1);
    expect(compare.calls[0]?.[0].equals(compare.calls[0]?.[1] ?? Buffer.alloc(0))).toBe(true);
  });
});
