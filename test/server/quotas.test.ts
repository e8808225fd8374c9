/**
 * Storage quotas (Hardening II, item 7): per device and UTC day, rows and bytes reserved in
 * the API before delivery (both modes), and registrations per day and in all. The hourly
 * upkeep of their tables: quota-upkeep.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRegistered, ErrorBody, IngestResult } from '#protocol';
import { registerDevice as registerInDomain } from '../../server/src/domain/devices.js';
import { secondsToUtcMidnight } from '../../server/src/domain/quota.js';
import {
  makeBatch,
  makeEvent,
  postEvents,
  registerDevice,
  request,
  waitFor,
} from '../harness/client.js';
import { MODES, type Stack, startStack } from './modes.js';

async function storedCount(stack: Stack, ids: string[]): Promise<number> {
  const r = await stack.server.pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM visits WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return Number(r.rows[0]?.n);
}

async function usageRows(
  stack: Stack,
  deviceId: string,
): Promise<{ rows: number; bytes: number }[]> {
  const r = await stack.server.pool.query<{ rows: string; bytes: string }>(
    'SELECT rows, bytes FROM device_usage WHERE device_id = $1 ORDER BY day',
    [deviceId],
  );
  return r.rows.map((row) => ({ rows: Number(row.rows), bytes: Number(row.bytes) }));
}

function expectRetryAfterToMidnight(res: { headers: Headers }): void {
  const seconds = Number(res.headers.get('retry-after'));
  const expected = secondsToUtcMidnight(new Date());
  expect(seconds).toBeGreaterThanOrEqual(expected - 10);
  expect(seconds).toBeLessThanOrEqual(expected + 1);
}

const idsOf = (events: { id: string }[]): string[] => events.map((e) => e.id);

describe.each(MODES)('per-device daily quota (%s mode)', (mode) => {
  let stack: Stack;
  let base: string;

  beforeAll(async () => {
    stack = await startStack(mode, {
      QUOTA_ROWS_PER_DEVICE_DAY: '5',
      QUOTA_BYTES_PER_DEVICE_DAY: '6000',
    });
    base = stack.server.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses a batch that would pass the rows quota: 429 quota_exceeded, nothing accepted', async () => {
    const d = await registerDevice(base);
    const first = [makeEvent(), makeEvent(), makeEvent()];
    const ok = await postEvents<IngestResult>(base, d.token, makeBatch(first));
    expect(ok.status).toBe(200);
    expect(ok.body.accepted).toBe(3);

    const refused = [makeEvent(), makeEvent(), makeEvent()];
    const over = await postEvents<ErrorBody>(base, d.token, makeBatch(refused));
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('quota_exceeded');
    expect(over.body.error.message).toMatch(/nothing was accepted/);
    expectRetryAfterToMidnight(over);

    // What is left of the day's quota is still there.
    const last = [makeEvent(), makeEvent()];
    const fits = await postEvents<IngestResult>(base, d.token, makeBatch(last));
    expect(fits.status).toBe(200);
    expect(fits.body.accepted).toBe(2);
    const kept = [...idsOf(first), ...idsOf(last)];
    await waitFor(async () => (await storedCount(stack, kept)) === 5, '5 rows stored');
    expect(await storedCount(stack, idsOf(refused))).toBe(0);
    expect((await usageRows(stack, d.deviceId)).map((u) => u.rows)).toEqual([5]);

    const full = await postEvents<ErrorBody>(base, d.token, makeBatch([makeEvent()]));
    expect(full.status).toBe(429);
    expect(full.body.error.code).toBe('quota_exceeded');
  });

  it('charges a resend again and says so: the quota counts what the device sends', async () => {
    const d = await registerDevice(base);
    const sent = [makeEvent(), makeEvent()];
    const batch = makeBatch(sent);
    for (let i = 0; i < 2; i++) {
      expect((await postEvents<IngestResult>(base, d.token, batch)).status).toBe(200);
    }
    const over = await postEvents<ErrorBody>(base, d.token, makeBatch([makeEvent(), makeEvent()]));
    expect(over.status).toBe(429);
    expect(over.body.error.message).toMatch(
      /\(4 visits and \d+ bytes received today, UTC, resends included\)/,
    );
    await waitFor(async () => (await storedCount(stack, idsOf(sent))) === 2, '2 rows stored');
  });

  it('holds under concurrent requests: of ten one-visit batches at once, five are stored', async () => {
    const d = await registerDevice(base);
    const events = Array.from({ length: 10 }, () => makeEvent());
    const answers = await Promise.all(
      events.map((e) => postEvents<ErrorBody>(base, d.token, makeBatch([e]))),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(r.body.error.code).toBe('quota_exceeded');
    await waitFor(async () => (await storedCount(stack, idsOf(events))) >= 5, '5 rows stored');
    expect(await storedCount(stack, idsOf(events))).toBe(5);
    expect(await usageRows(stack, d.deviceId)).toEqual([{ rows: 5, bytes: expect.any(Number) }]);
  });

  it('refuses a batch that would pass the bytes quota', async () => {
    const d = await registerDevice(base);
    const big = (): ReturnType<typeof makeEvent> =>
      makeEvent({ url: `https://example.com/${'a'.repeat(2000)}`, title: 'é'.repeat(500) });
    const ok = await postEvents<IngestResult>(base, d.token, makeBatch([big()]));
    expect(ok.status).toBe(200);
    const [used] = await usageRows(stack, d.deviceId);
    // 2,019 bytes of address, 1,000 of title (UTF-8), the domain and the fixed part.
    expect(used?.bytes).toBeGreaterThan(3000);
    const over = await postEvents<ErrorBody>(base, d.token, makeBatch([big()]));
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('quota_exceeded');
    expect(await usageRows(stack, d.deviceId)).toEqual([used]);
  });

  it("counts each device's quota on its own, and an erase deletes the device's usage", async () => {
    const a = await registerDevice(base);
    const b = await registerDevice(base);
    const events = () => [makeEvent(), makeEvent(), makeEvent(), makeEvent(), makeEvent()];
    expect((await postEvents(base, a.token, makeBatch(events()))).status).toBe(200);
    expect((await postEvents(base, b.token, makeBatch(events()))).status).toBe(200);
    expect(await usageRows(stack, a.deviceId)).toHaveLength(1);
    const erased = await request(`${base}/api/v1/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${a.token}` },
    });
    expect(erased.status).toBe(200);
    expect(await usageRows(stack, a.deviceId)).toEqual([]);
    expect(await usageRows(stack, b.deviceId)).toHaveLength(1);
  });

  it('gives the reservation back when delivery fails, so the retry is charged once', async () => {
    const d: DeviceRegistered = await registerDevice(base);
    const events = [makeEvent({ domain: 'refused.example', url: 'https://refused.example/' })];
    if (mode === 'kafka') {
      await stack.kafka?.stop();
    } else {
      await stack.server.pool.query(
        "ALTER TABLE visits ADD CONSTRAINT quota_test_refuse CHECK (domain <> 'refused.example')",
      );
    }
    try {
      const failed = await postEvents<ErrorBody>(base, d.token, makeBatch(events));
      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect((await usageRows(stack, d.deviceId)).map((u) => [u.rows, u.bytes])).toEqual([[0, 0]]);
    } finally {
      if (mode === 'embedded') {
        await stack.server.pool.query('ALTER TABLE visits DROP CONSTRAINT quota_test_refuse');
      }
    }
    if (mode === 'embedded') {
      expect((await postEvents(base, d.token, makeBatch(events))).status).toBe(200);
      expect((await usageRows(stack, d.deviceId)).map((u) => u.rows)).toEqual([1]);
    }
  }, 60_000);
});

describe('registration caps', () => {
  it('refuses the registration past REGISTRATIONS_PER_DAY with 429 registration_limit', async () => {
    const stack = await startStack('embedded', { REGISTRATIONS_PER_DAY: '2' });
    try {
      const base = stack.server.url;
      // Five at once: two are registered, whatever the order.
      const attempts = await Promise.allSettled(
        Array.from({ length: 5 }, () => registerDevice(base)),
      );
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(2);
      for (const a of attempts.filter((x) => x.status === 'rejected')) {
        expect(String(a.reason)).toMatch(/429 .*registration_limit/);
      }
      const res = await request<ErrorBody>(`${base}/api/v1/devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          extensionVersion: '0.1.0',
          browser: { name: 'Chrome', version: '1' },
          os: 'Linux',
        }),
      });
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('registration_limit');
      expectRetryAfterToMidnight(res);
      const devices = await stack.server.pool.query('SELECT 1 FROM devices');
      expect(devices.rowCount).toBe(2);

      // The next UTC day counts afresh: the day the count is on is PostgreSQL's (a process
      // clock ahead cannot start a day early), so the stored day is moved back one instead.
      await stack.server.pool.query('UPDATE enrollment_usage SET day = day - 1');
      const input = {
        extensionVersion: '0.1.0',
        browser: { name: 'Chrome', version: '1' },
        os: 'Linux',
      };
      const opts = {
        userAgent: undefined,
        enrollmentKey: undefined,
        presentedKey: undefined,
        registrations: { perDay: 2, total: undefined },
        now: new Date(),
      };
      await registerInDomain(stack.server.pool, input, opts);
      await registerInDomain(stack.server.pool, input, opts);
      await expect(registerInDomain(stack.server.pool, input, opts)).rejects.toThrow(/today/);
    } finally {
      await stack.stop();
    }
  });

  it('refuses the registration past REGISTRATIONS_TOTAL, counting only valid enrollment keys', async () => {
    const key = 'a-long-enrollment-key-for-tests';
    const stack = await startStack('embedded', { ENROLLMENT_KEY: key, REGISTRATIONS_TOTAL: '2' });
    try {
      const base = stack.server.url;
      await expect(registerDevice(base, { enrollmentKey: 'wrong-key' })).rejects.toThrow(/403/);
      await registerDevice(base, { enrollmentKey: key });
      await registerDevice(base, { enrollmentKey: key });
      const res = await request<ErrorBody>(`${base}/api/v1/devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-enrollment-key': key },
        body: JSON.stringify({
          extensionVersion: '0.1.0',
          browser: { name: 'Chrome', version: '1' },
          os: 'Linux',
        }),
      });
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('registration_limit');
      expect(res.body.error.message).toMatch(/in all/);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await stack.stop();
    }
  });
});
