/**
 * Statements of concurrent API requests combined into fewer (server/src/data-access/
 * call-combiner.ts), on real PostgreSQL: quota reservations (usage-reserver.ts), each decided
 * exactly as it would be alone, one's fault never failing another's; and credential reads
 * (credential-reader.ts), each answering what a read of its own would.
 */
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  credentialReader,
  findDeviceCredentials,
} from '../../server/src/data-access/credential-reader.js';
import { findDeviceCredential } from '../../server/src/data-access/devices-repo.js';
import { createPool, type Pool } from '../../server/src/data-access/pool.js';
import { reserveUsages, usageOf } from '../../server/src/data-access/usage-repo.js';
import { usageReserver } from '../../server/src/data-access/usage-reserver.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase, testLogger } from '../harness/server.js';

const DAY = '2026-12-05';
const MAX = { maxRows: 5, maxBytes: 1_000_000 };

describe('usageReserver', () => {
  let pool: Pool;
  let statements = 0;

  beforeAll(async () => {
    const url = await freshDatabase('usage_reserver');
    await prepareDatabase(url);
    pool = createPool(url, 4, testLogger('usage-reserver'));
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    // Counts the statements the reserver sends (the tests' own reads are counted too, outside).
    (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
      statements += 1;
      return query(...args);
    };
  });
  afterAll(async () => {
    await pool?.end();
  });

  async function newDevice(): Promise<string> {
    const id = uuidv7();
    await pool.query(
      `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os)
       VALUES ($1, $2, '1', 'Chrome', '131', 'Linux')`,
      [id, Buffer.alloc(32, 3)],
    );
    return id;
  }

  it("reserves many devices' requests in one statement while one is in flight", async () => {
    const devices = await Promise.all(Array.from({ length: 20 }, () => newDevice()));
    const reserve = usageReserver(pool, MAX, { inFlight: 1, maxItems: 500 });
    statements = 0;
    const answers = await Promise.all(
      devices.map((deviceId) => reserve({ deviceId, day: DAY, rows: 2, bytes: 300 })),
    );
    // The first goes at once, alone; the other 19 wait for it and share the next statement.
    expect(statements).toBe(2);
    expect(answers.map((a) => a.state)).toEqual(devices.map(() => 'reserved'));
    expect(answers[5]).toEqual({ state: 'reserved', used: { rows: 2, bytes: 300 } });
    for (const d of devices) expect(await usageOf(pool, d, DAY)).toEqual({ rows: 2, bytes: 300 });
  });

  it("decides each as alone: of one device's ten requests at once, the quota takes five", async () => {
    const [a, b] = [await newDevice(), await newDevice()];
    const reserve = usageReserver(pool, MAX, { inFlight: 2, maxItems: 500 });
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, () => reserve({ deviceId: a, day: DAY, rows: 1, bytes: 10 })),
      reserve({ deviceId: b, day: DAY, rows: 6, bytes: 10 }),
      reserve({ deviceId: b, day: DAY, rows: 3, bytes: 10 }),
    ]);
    const ofA = answers.slice(0, 10).map((r) => r.state);
    expect(ofA.filter((s) => s === 'reserved')).toHaveLength(5);
    expect(ofA.filter((s) => s === 'over')).toHaveLength(5);
    expect(answers.slice(10)).toEqual([
      { state: 'over', used: expect.any(Object) },
      { state: 'reserved', used: { rows: 3, bytes: 10 } },
    ]);
    expect(await usageOf(pool, a, DAY)).toEqual({ rows: 5, bytes: 50 });
    expect(await usageOf(pool, b, DAY)).toEqual({ rows: 3, bytes: 10 });
  });

  it('answers an over-quota request with what the day holds', async () => {
    const d = await newDevice();
    await reserveUsages(pool, [{ deviceId: d, day: DAY, rows: 4, bytes: 40 }], MAX);
    const [over, fits] = await reserveUsages(
      pool,
      [
        { deviceId: d, day: DAY, rows: 2, bytes: 1 },
        { deviceId: await newDevice(), day: DAY, rows: 5, bytes: 1 },
      ],
      MAX,
    );
    expect(over).toEqual({ state: 'over', used: { rows: 4, bytes: 40 } });
    expect(fits).toEqual({ state: 'reserved', used: { rows: 5, bytes: 1 } });
  });

  it('answers gone for a device that no longer exists, and reserves the others', async () => {
    const d = await newDevice();
    const [gone, kept] = await reserveUsages(
      pool,
      [
        { deviceId: uuidv7(), day: DAY, rows: 1, bytes: 1 },
        { deviceId: d, day: DAY, rows: 1, bytes: 1 },
      ],
      MAX,
    );
    expect(gone).toEqual({ state: 'gone' });
    expect(kept).toEqual({ state: 'reserved', used: { rows: 1, bytes: 1 } });
  });

  it('answers revoked for a device being erased without waiting on its locked row', async () => {
    const [erasing, other] = await Promise.all([newDevice(), newDevice()]);
    // An erase marks the device revoked, then holds its row while its visits go.
    await pool.query('UPDATE devices SET revoked_at = now() WHERE id = $1', [erasing]);
    const eraser = await pool.connect();
    try {
      await eraser.query('BEGIN');
      await eraser.query('DELETE FROM devices WHERE id = $1', [erasing]);
      const answered = await Promise.race([
        reserveUsages(
          pool,
          [
            { deviceId: erasing, day: DAY, rows: 1, bytes: 1 },
            { deviceId: other, day: DAY, rows: 1, bytes: 1 },
          ],
          MAX,
        ),
        new Promise((resolve) => setTimeout(resolve, 15_000, 'waited on the erase')),
      ]);
      expect(answered).toEqual([
        { state: 'revoked' },
        { state: 'reserved', used: { rows: 1, bytes: 1 } },
      ]);
    } finally {
      await eraser.query('ROLLBACK');
      eraser.release();
    }
  });

  it("retries a failed combined statement one by one: one request's fault fails only it", async () => {
    const devices = await Promise.all(Array.from({ length: 4 }, () => newDevice()));
    const reserve = usageReserver(pool, MAX, { inFlight: 1, maxItems: 500 });
    const answers = await Promise.allSettled([
      reserve({ deviceId: devices[0] as string, day: DAY, rows: 1, bytes: 1 }),
      reserve({ deviceId: devices[1] as string, day: DAY, rows: 1, bytes: 1 }),
      // Not a date: PostgreSQL refuses the whole combined statement for it.
      reserve({ deviceId: devices[2] as string, day: '2026-13-45', rows: 1, bytes: 1 }),
      reserve({ deviceId: devices[3] as string, day: DAY, rows: 1, bytes: 1 }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    for (const d of [devices[0], devices[1], devices[3]]) {
      expect(await usageOf(pool, d as string, DAY)).toEqual({ rows: 1, bytes: 1 });
    }
  });

  it("reads many devices' credentials in one statement, each as a read of its own would", async () => {
    const active = await newDevice();
    const revoked = await newDevice();
    await pool.query('UPDATE devices SET revoked_at = now() WHERE id = $1', [revoked]);
    const inCohort = await newDevice();
    const cohort = await pool.query<{ id: string }>(
      "INSERT INTO cohorts (name, study_ends_at) VALUES ('combined-1', '2030-01-01Z') RETURNING id",
    );
    await pool.query('UPDATE devices SET cohort_id = $2 WHERE id = $1', [
      inCohort,
      cohort.rows[0]?.id,
    ]);
    const erased = uuidv7();
    await pool.query('INSERT INTO erased_devices (device_id, token_hash) VALUES ($1, $2)', [
      erased,
      Buffer.alloc(32, 9),
    ]);
    const ids = [erased, active, uuidv7(), revoked, inCohort];
    const alone = await Promise.all(ids.map((id) => findDeviceCredential(pool, id)));
    expect(alone.map((c) => c.state)).toEqual(['erased', 'active', 'unknown', 'revoked', 'active']);
    expect(await findDeviceCredentials(pool, ids)).toEqual(alone);

    const read = credentialReader(pool, { inFlight: 1, maxItems: 500 });
    statements = 0;
    expect(await Promise.all(ids.map((id) => read(id)))).toEqual(alone);
    expect(statements).toBe(2);
  });
});
