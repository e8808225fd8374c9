/**
 * A device can only ever reach its own data: tokens that mix one device's id
 * with another's secret, forged or malformed tokens, and ids smuggled in the
 * query or the batch are all refused or ignored, and the other device's data
 * is untouched afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRegistered, IngestResult } from '#protocol';
import { makeBatch, makeEvent, postEvents, registerDevice, request } from '../harness/client.js';
import { type Stack, startStack } from '../server/modes.js';
import { bearer, expectErrorBody } from './error-body.js';

function secretOf(d: DeviceRegistered): string {
  return d.token.slice(d.token.indexOf('.') + 1);
}

async function exportIds(base: string, token: string): Promise<string[]> {
  const res = await request(`${base}/api/v1/me/export`, { headers: bearer(token) });
  expect(res.status).toBe(200);
  return res.text
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { id: string }).id);
}

describe('device isolation', () => {
  let stack: Stack;
  let base: string;
  let a: DeviceRegistered;
  let b: DeviceRegistered;
  const bEvent = makeEvent();

  beforeAll(async () => {
    stack = await startStack('embedded');
    base = stack.server.url;
    a = await registerDevice(base);
    b = await registerDevice(base);
    const res = await postEvents<IngestResult>(base, b.token, makeBatch([bEvent]));
    expect(res.body.accepted).toBe(1);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Tokens an attacker holding device A's token might try against device B. */
  function forgedTokens(): Record<string, string> {
    const aSecret = secretOf(a);
    return {
      "B's id with A's secret": `${b.deviceId}.${aSecret}`,
      "B's id with a random secret": `${b.deviceId}.${'x'.repeat(aSecret.length)}`,
      "B's id upper-cased with B's secret": `${b.deviceId.toUpperCase()}.${secretOf(b)}`,
      "B's id with A's whole token as secret": `${b.deviceId}.${a.token}`,
      "A's token then B's id": `${a.token}.${b.deviceId}`,
      'the nil uuid': `00000000-0000-0000-0000-000000000000.${aSecret}`,
      "B's id alone": b.deviceId,
    };
  }

  it('refuses every forged token on events, export and erase', async () => {
    for (const [name, token] of Object.entries(forgedTokens())) {
      const events = await postEvents(base, token, makeBatch([makeEvent()]));
      expect(events.status, name).toBe(401);
      expectErrorBody(events, 'unauthorized');
      const exported = await request(`${base}/api/v1/me/export`, { headers: bearer(token) });
      expectErrorBody(exported, 'unauthorized');
      const erased = await request(`${base}/api/v1/me`, {
        method: 'DELETE',
        headers: bearer(token),
      });
      expectErrorBody(erased, 'unauthorized');
    }
    expect(await exportIds(base, b.token)).toEqual([b.deviceId, bEvent.id]);
  });

  it("ignores another device's id in the query string and refuses it in the batch", async () => {
    const ids = await exportIds(base, `${a.token}`);
    expect(ids).toEqual([a.deviceId]);
    const res = await request(`${base}/api/v1/me/export?deviceId=${b.deviceId}&id=${b.deviceId}`, {
      headers: bearer(a.token),
    });
    expect(res.text).not.toContain(b.deviceId);
    expect(res.text).not.toContain(bEvent.id);
    const smuggled = await postEvents(base, a.token, {
      ...makeBatch([makeEvent()]),
      deviceId: b.deviceId,
    });
    expectErrorBody(smuggled, 'invalid_batch');
  });

  it("cannot move or overwrite B's row by sending B's event id", async () => {
    const res = await postEvents<IngestResult>(base, a.token, makeBatch([bEvent]));
    expect(res.status).toBe(200);
    const rows = await stack.server.pool.query<{ device_id: string }>(
      'SELECT device_id::text FROM visits WHERE id = $1 ORDER BY device_id',
      [bEvent.id],
    );
    expect(rows.rows.map((r) => r.device_id)).toContain(b.deviceId);
    expect(await exportIds(base, b.token)).toEqual([b.deviceId, bEvent.id]);
    expect(await exportIds(base, a.token)).not.toContain(bEvent.id);
  });

  it("erasing A leaves B's data, and A's old token then works nowhere", async () => {
    const erased = await request(`${base}/api/v1/me`, {
      method: 'DELETE',
      headers: bearer(a.token),
    });
    expect(erased.status).toBe(200);
    expect(await exportIds(base, b.token)).toEqual([b.deviceId, bEvent.id]);
    // A tombstoned id with B's secret must not authenticate either.
    expectErrorBody(
      await postEvents(base, `${a.deviceId}.${secretOf(b)}`, makeBatch([makeEvent()])),
      'unauthorized',
    );
    expectErrorBody(await postEvents(base, a.token, makeBatch([makeEvent()])), 'device_deleted');
  });
});
