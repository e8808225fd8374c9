/**
 * The writer's small writes in one statement (data-access/visit-insert.ts): what its
 * transaction of several statements guaranteed, the statement does too: a resend and a
 * duplicate stored once, records of devices that no longer exist dropped, the watermarks moved
 * with the rows, the rollups kept a GROUP BY of visits, and an erase made meanwhile either
 * waited for or seen.
 */
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../server/src/data-access/migrate.js';
import { maintainPartitions } from '../../server/src/data-access/partitions.js';
import { createPool, type Pool } from '../../server/src/data-access/pool.js';
import {
  insertInOneStatement,
  ONE_STATEMENT_ROWS,
} from '../../server/src/data-access/visit-insert.js';
import type { VisitRecord } from '../../server/src/data-access/visit-record.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import { expectDashboardRollupsMatchVisits } from '../harness/dashboard-rollups.js';
import { freshDatabase } from '../harness/database.js';
import { NOW, visit } from '../harness/retention.js';
import { testLogger } from '../harness/server.js';

const log = testLogger('one-statement-writes-test');
const HOUR = 3_600_000;

async function withDevices(n: number, fn: (pool: Pool, devices: string[]) => Promise<void>) {
  const url = await freshDatabase('one_statement_writes');
  await migrate(url, log);
  const pool = createPool(url, 4, log);
  try {
    await maintainPartitions(pool, {
      now: new Date(NOW),
      monthsAhead: 1,
      monthsBack: 1,
      retentionDays: 395,
    });
    const devices = Array.from({ length: n }, () => uuidv7());
    await pool.query(
      `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os)
       SELECT id, '\\x01'::bytea, '1', 'Chrome', '131', 'Linux' FROM unnest($1::uuid[]) id`,
      [devices],
    );
    await fn(pool, devices);
  } finally {
    await pool.end();
  }
}

const at = (i: number) => new Date(NOW - 2 * HOUR - i * 60_000);
const count = async (pool: Pool, device: string) =>
  (
    await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM visits WHERE device_id = $1', [
      device,
    ])
  ).rows[0]?.n;

describe('a small write in one statement', () => {
  it('stores a resend and a duplicate once, drops unknown devices, moves the watermarks', () =>
    withDevices(2, async (pool, [a, b]) => {
      const gone = uuidv7(); // never registered, or erased before the write
      const first = [visit(a as string, at(1), 0), visit(b as string, at(2), 0)];
      const withSeq = { ...visit(a as string, at(3), 0), seq: 7 };
      const records = [...first, withSeq, first[0] as VisitRecord, visit(gone, at(4), 0)];
      expect(await insertInOneStatement(pool, records)).toEqual({
        inserted: 3,
        dropped: 1,
      });
      expect(await insertInOneStatement(pool, [...first, visit(a as string, at(5), 0)])).toEqual({
        inserted: 1,
        dropped: 0,
      });
      expect(await count(pool, a as string)).toBe(3);
      expect(await count(pool, b as string)).toBe(1);
      expect(await count(pool, gone)).toBe(0);
      const marks = await pool.query(
        'SELECT device_id, applied_seq::int AS seq, batch_id FROM device_watermarks ORDER BY 1',
      );
      expect(marks.rows).toEqual(
        [
          { device_id: a, seq: 7, batch_id: withSeq.batchId },
          { device_id: b, seq: null, batch_id: first[1]?.batchId },
        ].sort((x, y) => ((x.device_id as string) < (y.device_id as string) ? -1 : 1)),
      );
      await expectDashboardRollupsMatchVisits(pool);
    }));

  it('waits for an erase in progress and then drops the erased device', () =>
    withDevices(2, async (pool, [a, b]) => {
      const eraser = await pool.connect();
      try {
        await eraser.query('BEGIN');
        await eraser.query('DELETE FROM devices WHERE id = $1', [a]);
        let settled = false;
        const write = insertInOneStatement(pool, [
          visit(a as string, at(1), 0),
          visit(b as string, at(2), 0),
        ]).finally(() => {
          settled = true;
        });
        await new Promise((r) => setTimeout(r, 300));
        expect(settled).toBe(false); // the device row's lock waits for the erase
        await eraser.query('COMMIT');
        expect(await write).toEqual({ inserted: 1, dropped: 1 });
      } finally {
        eraser.release();
      }
      expect(await count(pool, a as string)).toBe(0);
      expect(await count(pool, b as string)).toBe(1);
      const marks = await pool.query('SELECT device_id FROM device_watermarks');
      expect(marks.rows).toEqual([{ device_id: b }]);
    }));

  it('stores writes on both sides of ONE_STATEMENT_ROWS (one statement, COPY) alike', () =>
    withDevices(1, async (pool, [a]) => {
      const small = Array.from({ length: ONE_STATEMENT_ROWS }, (_, i) =>
        visit(a as string, at(i), 0),
      );
      const large = Array.from({ length: ONE_STATEMENT_ROWS + 1 }, (_, i) =>
        visit(a as string, at(100 + i), 0),
      );
      expect(await insertVisits(pool, small)).toEqual({ inserted: small.length, dropped: 0 });
      expect(await insertVisits(pool, large)).toEqual({ inserted: large.length, dropped: 0 });
      expect(await count(pool, a as string)).toBe(small.length + large.length);
      await expectDashboardRollupsMatchVisits(pool);
    }));
});
