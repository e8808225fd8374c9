/**
 * The device's own batch numbers (POST /api/v1/events?seq=N) and the summary's appliedSeq
 * (issue 18): a malformed number refuses the request and stores nothing, a smaller number
 * applied later never moves the watermark back, a batch without one leaves it where it is, and
 * a device's numbers, however large, show only in its own summary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '#protocol';
import { makeBatch, makeEvent, registerDevice, request } from '../harness/client.js';
import { link, summary } from './link-kit.js';
import { type Stack, startStack } from './modes.js';

describe('batch numbers and the summary watermark (embedded)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack('embedded');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const post = (token: string, seq: string | null, batch = makeBatch([makeEvent()])) =>
    request<IngestResult>(`${stack.server.url}/api/v1/events${seq === null ? '' : `?seq=${seq}`}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
  const today = new Date().toISOString().slice(0, 10);
  const mark = async (token: string) => {
    const res = await summary(stack.server.url, token, `from=${today}&to=${today}&tz=UTC`);
    expect(res.status).toBe(200);
    return { seq: res.body.appliedSeq, batch: res.body.lastBatchId };
  };
  const stored = async (deviceId: string) =>
    Number(
      (
        await stack.server.pool.query<{ n: string }>(
          'SELECT count(*) AS n FROM visits WHERE device_id = $1',
          [deviceId],
        )
      ).rows[0]?.n,
    );

  it('refuses a malformed number and stores nothing', async () => {
    const me = await registerDevice(stack.server.url);
    for (const bad of ['0', '-1', '1.5', 'x', '9007199254740992', '1&seq=2']) {
      const res = await post(me.token, bad);
      expect(res.status, bad).toBe(400);
      expect(res.text).toContain('seq');
    }
    expect(await stored(me.deviceId)).toBe(0);
    expect(await mark(me.token)).toEqual({ seq: null, batch: null });
  });

  it('moves the watermark by the numbers, never back, and echoes them', async () => {
    const me = await registerDevice(stack.server.url);
    const five = makeBatch([makeEvent()]);
    const res = await post(me.token, '5', five);
    expect(res.status).toBe(200);
    expect(res.body.seq).toBe(5);
    expect(await mark(me.token)).toEqual({ seq: 5, batch: five.batchId });
    // An older batch applied late (a slow replica's), and one without a number.
    expect((await post(me.token, '3')).status).toBe(200);
    const plain = await post(me.token, null);
    expect(plain.body.seq).toBeUndefined();
    expect(await mark(me.token)).toEqual({ seq: 5, batch: five.batchId });
    const six = makeBatch([makeEvent()]);
    expect((await post(me.token, '6', six)).status).toBe(200);
    expect(await mark(me.token)).toEqual({ seq: 6, batch: six.batchId });
  });

  it("shows a device's numbers only to itself", async () => {
    const honest = await registerDevice(stack.server.url);
    const hostile = await registerDevice(stack.server.url);
    await link(stack.server.url, honest.token, hostile.token);
    expect((await post(honest.token, '2')).status).toBe(200);
    expect((await post(hostile.token, '9007199254740991')).status).toBe(200);
    expect((await mark(honest.token)).seq).toBe(2);
    expect((await mark(hostile.token)).seq).toBe(9007199254740991);
    // The honest device's next batch moves its own watermark whatever the other sent.
    expect((await post(honest.token, '3')).status).toBe(200);
    expect((await mark(honest.token)).seq).toBe(3);
  });
});
