/**
 * The hourly upkeep of the quotas' tables (Hardening II, item 7): old days of device_usage
 * go, and so do devices registered long ago that never stored anything, a batch at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '#protocol';
import { maintainUsage } from '../../server/src/data-access/usage-maintenance.js';
import { makeBatch, makeEvent, postEvents, registerDevice } from '../harness/client.js';
import { type Stack, startStack } from './modes.js';

const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

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

describe('hourly quota upkeep', () => {
  let stack: Stack;
  let base: string;

  beforeAll(async () => {
    stack = await startStack('embedded');
    base = stack.server.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const age = (deviceId: string, days: number) =>
    stack.server.pool.query(
      `UPDATE devices SET created_at = now() - $2::int * interval '1 day' WHERE id = $1`,
      [deviceId, days],
    );
  const exists = async (deviceId: string): Promise<boolean> =>
    ((await stack.server.pool.query('SELECT 1 FROM devices WHERE id = $1', [deviceId])).rowCount ??
      0) > 0;

  it('deletes old usage days and, batch by batch, devices that never stored anything', async () => {
    const pool = stack.server.pool;
    const silent = [
      await registerDevice(base),
      await registerDevice(base),
      await registerDevice(base),
    ];
    const recent = await registerDevice(base);
    const withVisits = await registerDevice(base);
    const withUsage = await registerDevice(base);
    const inStudy = await registerDevice(base);
    // Linked to another browser (the summary is its use) but never sent anything itself.
    const linked = await registerDevice(base);
    await pool.query(`UPDATE devices SET person_id = gen_random_uuid() WHERE id = $1`, [
      linked.deviceId,
    ]);
    await pool.query(
      `WITH c AS (INSERT INTO cohorts (name) VALUES ('upkeep') RETURNING id)
       UPDATE devices SET cohort_id = (SELECT id FROM c) WHERE id = $1`,
      [inStudy.deviceId],
    );
    expect((await postEvents(base, withVisits.token, makeBatch([makeEvent()]))).status).toBe(200);
    for (const d of [...silent, withVisits, withUsage, inStudy, linked]) await age(d.deviceId, 31);
    await age(recent.deviceId, 29);
    const today = utcDay(new Date());
    const daysAgo = (n: number) => utcDay(new Date(Date.now() - n * 86_400_000));
    // withVisits' usage days are all old: its visits keep it. withUsage has no visit (yet).
    await pool.query('DELETE FROM device_usage WHERE device_id = $1', [withVisits.deviceId]);
    await pool.query(
      'INSERT INTO device_usage (device_id, day, rows, bytes) VALUES ($1, $2, 1, 100)',
      [withVisits.deviceId, daysAgo(10)],
    );
    await pool.query(
      'INSERT INTO device_usage (device_id, day, rows, bytes) VALUES ($1, $2, 1, 100), ($1, $3, 1, 100)',
      [withUsage.deviceId, daysAgo(3), today],
    );

    const first = await maintainUsage(pool, {
      now: new Date(),
      unusedDeviceExpiryDays: 30,
      maxExpired: 2,
    });
    expect(first).toEqual({ deletedUsageDays: 1, expiredDevices: 2 });
    const second = await maintainUsage(pool, {
      now: new Date(),
      unusedDeviceExpiryDays: 30,
      maxExpired: 2,
    });
    expect(second).toEqual({ deletedUsageDays: 0, expiredDevices: 1 });
    for (const d of silent) expect(await exists(d.deviceId)).toBe(false);
    for (const d of [recent, withVisits, withUsage, inStudy, linked]) {
      expect(await exists(d.deviceId)).toBe(true);
    }
    expect(await usageRows(stack, withVisits.deviceId)).toEqual([]);
    expect(await usageRows(stack, withUsage.deviceId)).toHaveLength(2);

    // An expired device's token is no longer known.
    const res = await postEvents<ErrorBody>(base, silent[0]?.token ?? '', makeBatch([makeEvent()]));
    expect(res.status).toBe(401);
    expect(
      (await maintainUsage(pool, { now: new Date(), unusedDeviceExpiryDays: 30 })).expiredDevices,
    ).toBe(0);
  });
});
