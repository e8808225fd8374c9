/**
 * The writer's two paths take a device's rows in the same order: its watermark first, then the
 * rollups' rows the triggers upsert. A small write (one statement: its watermark CTE runs before
 * the statement's triggers) beside a large one (COPY, then the watermarks) of the same device
 * and hour deadlocked when the large one moved the watermarks last.
 *
 * The interleaving is forced with a third transaction holding the large write's last trigger
 * row (summary_changes of the device and day): the large write then holds the rollups' rows and
 * waits; the small one takes the watermark and waits on those rows; the third lets go.
 */
import { v7 as uuidv7 } from 'uuid';
import { expect, it } from 'vitest';
import { migrate } from '../../server/src/data-access/migrate.js';
import { maintainPartitions } from '../../server/src/data-access/partitions.js';
import { createPool } from '../../server/src/data-access/pool.js';
import { ONE_STATEMENT_ROWS } from '../../server/src/data-access/visit-insert.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import { freshDatabase } from '../harness/database.js';
import { NOW, visit } from '../harness/retention.js';
import { testLogger } from '../harness/server.js';

const log = testLogger('write-lock-order-test');
const HOUR = 3_600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('a small and a large write of the same device wait for each other, never deadlock', async () => {
  const url = await freshDatabase('write_lock_order');
  await migrate(url, log);
  const pool = createPool(url, 4, log);
  const holder = await pool.connect();
  try {
    await maintainPartitions(pool, {
      now: new Date(NOW),
      monthsAhead: 1,
      monthsBack: 1,
      retentionDays: 395,
    });
    const device = uuidv7();
    await pool.query(
      `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os)
       VALUES ($1, '\\x01'::bytea, '1', 'Chrome', '131', 'Linux')`,
      [device],
    );
    // Same day and same receive hour, so both writes need the same rollup rows.
    const base = Math.floor((NOW - 3 * HOUR) / HOUR) * HOUR;
    const received = new Date(base + 30 * 60_000);
    const at = (i: number) => new Date(base + i * 1_000);
    const first = await insertVisits(pool, [visit(device, at(0), 0, received)]);
    expect(first.inserted).toBe(1);

    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM summary_changes WHERE device_id = $1 FOR UPDATE', [device]);
    const large = Array.from({ length: ONE_STATEMENT_ROWS + 6 }, (_, i) =>
      visit(device, at(1 + i), 0, received),
    );
    const settle = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (err: Error & { code?: string }) => `${err.code} ${err.message}`,
      );
    const largeWrite = settle(insertVisits(pool, large));
    await sleep(500);
    const smallWrite = settle(insertVisits(pool, [visit(device, at(500), 0, received)]));
    await sleep(500);
    await holder.query('ROLLBACK');
    expect(await largeWrite).toBe('ok');
    expect(await smallWrite).toBe('ok');
    const stored = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM visits WHERE device_id = $1',
      [device],
    );
    expect(stored.rows[0]?.n).toBe(1 + large.length + 1);
  } finally {
    holder.release();
    await pool.end();
  }
});
