/**
 * A write PostgreSQL refuses for a reason of its own (here a lock timeout while
 * another transaction holds the device row) is retried, not taken for bad data:
 * nothing is dead-lettered and every record lands once.
 */
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../server/src/data-access/migrate.js';
import { isUnavailableError } from '../../server/src/data-access/pool.js';
import type { VisitRecord } from '../../server/src/data-access/visit-record.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import { processBatch } from '../../server/src/entry-points/consumer/batch-processor.js';
import { encodeVisitMessages } from '../../server/src/messaging/visit-message.js';
import { freshDatabase } from '../harness/database.js';
import { testLogger } from '../harness/server.js';
import { visitRecord } from '../harness/visit-records.js';

function visit(deviceId: string, i: number): VisitRecord {
  return visitRecord(deviceId, new Date(Date.UTC(2030, 2, 11, 0, 0, i)));
}

describe('transient PostgreSQL errors', () => {
  let url: string;
  let pool: pg.Pool;
  let locker: pg.Client;

  beforeAll(async () => {
    url = await freshDatabase('transient');
    await migrate(url, testLogger('transient'));
    // The writer gives up on a lock after 100 ms, as a deployment with lock_timeout set would.
    pool = new pg.Pool({ connectionString: url, max: 2, options: '-c lock_timeout=100' });
    locker = new pg.Client({ connectionString: url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await pool?.end();
  });

  it('a lock timeout makes the consumer wait and retry, dead-lettering nothing', async () => {
    const device = uuidv7();
    await pool.query(
      `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os)
       VALUES ($1, $2, '1', 'Chrome', '131', 'Linux')`,
      [device, Buffer.alloc(32, 7)],
    );
    const records = Array.from({ length: 8 }, (_, i) => visit(device, i));
    const messages = encodeVisitMessages(records).map((m, offset) => ({
      key: m.key,
      value: m.value.toString(),
      offset: String(offset),
    }));
    // Another transaction holds the device row: the writer's FOR KEY SHARE times out.
    await locker.query('BEGIN');
    await locker.query('SELECT id FROM devices WHERE id = $1 FOR UPDATE', [device]);
    let locked = true;
    const release = async (): Promise<void> => {
      if (!locked) return;
      locked = false;
      await locker.query('COMMIT');
    };
    const waits: string[] = [];
    const dead: string[] = [];
    try {
      const outcome = await processBatch(messages, {
        write: (r) => insertVisits(pool, r),
        deadLetter: async (poison) => {
          dead.push(...poison.map((p) => p.reason));
        },
        isUnavailable: isUnavailableError,
        sleep: async () => release(),
        heartbeat: async () => undefined,
        stillOwned: () => true,
        onWaiting: (_, err) => waits.push((err as Error).message),
      });
      expect(dead).toEqual([]);
      expect(outcome).toMatchObject({ done: true, inserted: 8, deadLettered: 0 });
    } finally {
      await release();
    }
    expect(waits[0]).toMatch(/lock/i);
    const r = await pool.query<{ n: string }>(
      'SELECT count(DISTINCT id) AS n FROM visits WHERE device_id = $1',
      [device],
    );
    expect(r.rows[0]?.n).toBe('8');
  });
});
