/**
 * The embedded mode's sink on real PostgreSQL: requests arriving while a write
 * is in flight share the next transaction, each is acknowledged only once
 * committed, and one request's bad data never fails another's.
 */
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directSink } from '../../server/src/data-access/direct-sink.js';
import { createPool, type Pool } from '../../server/src/data-access/pool.js';
import type { VisitRecord } from '../../server/src/data-access/visit-record.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase, testLogger } from '../harness/server.js';
import { visitRecord } from '../harness/visit-records.js';

const visit = (deviceId: string): VisitRecord => visitRecord(deviceId);

describe('directSink', () => {
  let pool: Pool;
  let device: string;

  beforeAll(async () => {
    const url = await freshDatabase('direct_sink');
    await prepareDatabase(url);
    pool = createPool(url, 4, testLogger('direct-sink'));
    device = uuidv7();
    await pool.query(
      `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os)
       VALUES ($1, $2, '1', 'Chrome', '131', 'Linux')`,
      [device, Buffer.alloc(32, 2)],
    );
  });
  afterAll(async () => {
    await pool?.end();
  });

  async function stored(ids: string[]): Promise<number> {
    const r = await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM visits WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return Number(r.rows[0]?.n);
  }

  it('combines waiting requests into one write and resolves each after the commit', async () => {
    const sink = directSink(pool, { writers: 1, maxRows: 5_000 });
    const requests = Array.from({ length: 6 }, () =>
      Array.from({ length: 50 }, () => visit(device)),
    );
    await Promise.all(
      requests.map(async (records) => {
        await sink.deliver(records);
        // Acknowledged means committed: visible to another connection right away.
        expect(await stored(records.map((r) => r.id))).toBe(records.length);
      }),
    );
    // The first request went alone; the five that waited went together. Rows of one
    // transaction share its xmin; counting commits in pg_stat_database would also count
    // every other transaction in the database (the reads above, the rollups' fold job)
    // whenever their statistics happen to be flushed.
    expect(await transactionsOf(requests.flat().map((r) => r.id))).toBeLessThan(6);
  });

  it('retries a combined write one request at a time when one request is refused', async () => {
    const sink = directSink(pool, { writers: 1, maxRows: 5_000 });
    const first = [visit(device)];
    // active_ms >= 0 is checked by PostgreSQL too: the row is refused for its data.
    const bad = [visit(device), { ...visit(device), activeMs: -1 }];
    const good = [visit(device), visit(device)];
    const results = await Promise.allSettled([
      sink.deliver(first),
      sink.deliver(bad),
      sink.deliver(good),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await stored([...first, ...good].map((r) => r.id))).toBe(3);
    expect(await stored(bad.map((r) => r.id))).toBe(0);
  });

  /** How many transactions wrote these visits. */
  async function transactionsOf(ids: string[]): Promise<number> {
    const r = await pool.query<{ n: string }>(
      'SELECT count(DISTINCT xmin::text) AS n FROM visits WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return Number(r.rows[0]?.n);
  }
});
