/** The PostgreSQL schema: migrations, monthly partitions, retention, roles, erase vs writer. */
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseDevice } from '../../server/src/data-access/devices-repo.js';
import { migrate } from '../../server/src/data-access/migrate.js';
import { maintainPartitions, partitionName } from '../../server/src/data-access/partitions.js';
import { createPool, type Pool } from '../../server/src/data-access/pool.js';
import type { VisitRecord } from '../../server/src/data-access/visit-record.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import { freshDatabase } from '../harness/database.js';
import { testLogger } from '../harness/server.js';
import { CHROME_ON_LINUX, visitRecord } from '../harness/visit-records.js';

const log = testLogger('db-test');

function visit(deviceId: string, startedAt: string): VisitRecord {
  return visitRecord(deviceId, new Date(startedAt), {
    startedAt, // as given, to the microsecond
    title: "Robert'); DROP TABLE visits;--",
    client: CHROME_ON_LINUX,
  });
}

async function addDevice(pool: Pool): Promise<string> {
  const id = uuidv7();
  await pool.query(
    `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os)
     VALUES ($1, $2, '1', 'Chrome', '131', 'Linux')`,
    [id, Buffer.alloc(32, 1)],
  );
  return id;
}

async function partitionOf(pool: Pool, id: string): Promise<string | undefined> {
  const r = await pool.query<{ p: string }>(
    'SELECT tableoid::regclass::text AS p FROM visits WHERE id = $1',
    [id],
  );
  return r.rows[0]?.p;
}

describe('PostgreSQL schema', () => {
  let url: string;
  let pool: Pool;

  beforeAll(async () => {
    url = await freshDatabase('schema');
    await migrate(url, log);
    pool = createPool(url, 4, log);
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('applies migrations once; a second run applies nothing', async () => {
    expect(await migrate(url, log)).toEqual([]);
  });

  it('creates monthly partitions ahead, moving rows the default partition held for them', async () => {
    const device = await addDevice(pool);
    const early = visit(device, '2030-02-10T00:00:00.000Z');
    await insertVisits(pool, [early]);
    expect(await partitionOf(pool, early.id)).toBe('visits_default');

    const res = await maintainPartitions(pool, {
      now: new Date('2030-01-15T00:00:00Z'),
      monthsAhead: 2,
      monthsBack: 1,
      retentionDays: 395,
    });
    expect(res.created).toEqual([
      'visits_2029_12',
      'visits_2030_01',
      'visits_2030_02',
      'visits_2030_03',
    ]);
    expect(await partitionOf(pool, early.id)).toBe('visits_2030_02');
    // The primary key still holds across the move: the same event again is stored once.
    await insertVisits(pool, [early]);
    const n = await pool.query('SELECT 1 FROM visits WHERE id = $1', [early.id]);
    expect(n.rowCount).toBe(1);
    // Running again creates nothing new.
    const again = await maintainPartitions(pool, {
      now: new Date('2030-01-15T00:00:00Z'),
      monthsAhead: 2,
      monthsBack: 1,
      retentionDays: 395,
    });
    expect(again.created).toEqual([]);
  });

  // At the real time: retention measures from no later than PostgreSQL's clock and the newest
  // visit received (test/server/retention-clock.test.ts), so a "now" years ahead drops nothing.
  it('drops whole partitions past the retention period and old rows of the default partition', async () => {
    const device = await addDevice(pool);
    const now = new Date();
    const monthOf = (offset: number): Date =>
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
    await maintainPartitions(pool, { now, monthsAhead: 0, monthsBack: 4, retentionDays: 395 });
    const old = visit(device, new Date(monthOf(-4).getTime() + 4 * 86_400_000).toISOString());
    const ancient = visit(device, '2001-01-01T00:00:00.000Z');
    const recent = visit(device, new Date(now.getTime() - 3_600_000).toISOString());
    await insertVisits(pool, [old, ancient, recent]);
    const res = await maintainPartitions(pool, {
      now,
      monthsAhead: 0,
      monthsBack: 0,
      retentionDays: 60,
    });
    expect(res.dropped).toEqual([partitionName(monthOf(-4))]);
    expect(res.deletedFromDefault).toBe(1);
    expect(await partitionOf(pool, old.id)).toBeUndefined();
    expect(await partitionOf(pool, ancient.id)).toBeUndefined();
    expect(await partitionOf(pool, recent.id)).toBe(partitionName(monthOf(0)));
  });

  it('uses the indexes for time, domain and device queries', async () => {
    await pool.query('SET enable_seqscan = off');
    const plans = [
      "EXPLAIN SELECT count(*) FROM visits WHERE started_at >= '2030-03-01' AND started_at < '2030-03-02'",
      "EXPLAIN SELECT count(*) FROM visits WHERE domain = 'example.com' AND started_at >= '2030-03-01'",
      "EXPLAIN SELECT count(*) FROM visits WHERE device_id = '0190a6f2-1111-7000-8000-000000000001'",
    ];
    for (const sql of plans) {
      const r = await pool.query<{ 'QUERY PLAN': string }>(sql);
      const text = r.rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(text).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
    }
    await pool.query('RESET enable_seqscan');
  });

  it('stores SQL-looking text verbatim', async () => {
    const device = await addDevice(pool);
    const v = visit(device, '2030-03-06T00:00:00.000Z');
    await insertVisits(pool, [v]);
    const r = await pool.query<{ title: string }>('SELECT title FROM visits WHERE id = $1', [v.id]);
    expect(r.rows[0]?.title).toBe("Robert'); DROP TABLE visits;--");
  });

  // The writer COPYs; a row already stored makes COPY fail, and the idempotent INSERT takes
  // the write instead. Both must store the same thing.
  it.each([
    ['by COPY (no duplicate)', false],
    ['by the INSERT fallback (a duplicate in the write)', true],
  ])('stores every field of a write spanning many requests as given, %s', async (_, withDup) => {
    const devices = [await addDevice(pool), await addDevice(pool)];
    // 150 requests (the writer sends what a request shares once per request, in statements
    // of at most 64 requests), odd characters (COPY's and array literals' special ones),
    // nulls, a clock skew, times to the microsecond, and a duplicate.
    const titles = ['NULL', '\\N', 'tab\there', 'new\nline\r\n', 'é ✓ 𝄞', `back\\slash\\`];
    const records = Array.from({ length: 300 }, (_, i) => {
      const v = visit(
        devices[i % 2] as string,
        `2030-03-09T00:00:${String(i % 60).padStart(2, '0')}.${String(i * 3331).padStart(6, '0')}Z`,
      );
      return {
        ...v,
        batchId: `0190a6f2-4444-7000-8000-${String(Math.floor(i / 2)).padStart(12, '0')}`,
        url: i % 3 === 0 ? null : `https://example.com/"q"\\{a,b}/NULL?x=${i}\t`,
        title:
          i % 5 === 0
            ? null
            : i % 5 === 1
              ? (titles[i % titles.length] as string)
              : `t ${i} "quoted", {}`,
        transition: i % 7 === 0 ? null : 'link',
        clockSkewMs: i % 4 === 0 ? -1500 : 250,
        client: { ...v.client, osVersion: i % 2 === 0 ? null : '"14"', browserName: `b,${i % 3}` },
      };
    });
    const dup = { ...(records[10] as VisitRecord), title: 'second copy' };
    if (withDup) {
      expect(await insertVisits(pool, [...records, dup])).toEqual({ inserted: 300, dropped: 0 });
    } else {
      expect(await insertVisits(pool, records)).toEqual({ inserted: 300, dropped: 0 });
    }
    // PostgreSQL's own arithmetic on the raw time is what the corrected one must equal.
    const exact = await pool.query<{ id: string; same: boolean }>(
      `SELECT id, started_at_corrected = started_at + clock_skew_ms * interval '1 millisecond'
          AND ended_at_corrected = ended_at + clock_skew_ms * interval '1 millisecond' AS same
         FROM visits WHERE id = ANY($1::uuid[])`,
      [records.map((v) => v.id)],
    );
    expect(exact.rows.filter((row) => !row.same)).toEqual([]);
    const micros = await pool.query<{ us: string }>(
      `SELECT to_char(started_at_corrected AT TIME ZONE 'UTC', 'SS.US') AS us FROM visits
        WHERE id = $1`,
      [records[4]?.id],
    );
    expect(micros.rows[0]?.us).toBe('02.513324'); // 00:04.013324 - 1.5 s
    const r = await pool.query<{
      id: string;
      device_id: string;
      batch_id: string;
      url: string | null;
      title: string | null;
      transition: string | null;
      clock_skew_ms: string;
      started_at_corrected: Date;
      browser_name: string;
      os_version: string | null;
    }>(
      `SELECT id, device_id, batch_id, url, title, transition, clock_skew_ms, started_at_corrected,
              browser_name, os_version FROM visits WHERE id = ANY($1::uuid[])`,
      [records.map((v) => v.id)],
    );
    const byId = new Map(r.rows.map((row) => [row.id, row]));
    expect(byId.size).toBe(300);
    for (const v of records) {
      const row = byId.get(v.id);
      expect(row).toEqual({
        id: v.id,
        device_id: v.deviceId,
        batch_id: v.batchId,
        url: v.url,
        title: v.title,
        transition: v.transition,
        clock_skew_ms: String(v.clockSkewMs),
        started_at_corrected: new Date(Date.parse(v.startedAt) + v.clockSkewMs),
        browser_name: v.client.browserName,
        os_version: v.client.osVersion,
      });
    }
  });

  // COPY's text is encoded line by line into fixed-size buffers, and the corrected times of
  // the extension's own form are computed without Date when they stay within the day.
  it('stores multi-byte text across COPY buffers, and millisecond times shifted across midnight', async () => {
    const device = await addDevice(pool);
    const records = Array.from({ length: 600 }, (_, i) => {
      const startedAt = new Date(Date.UTC(2030, 2, 11) + ((i * 997) % 4000) - 2000).toISOString();
      return visitRecord(device, new Date(startedAt), {
        // 1 to 3 bytes per character in UTF-8, and surrogate pairs; lines of 200 to 1,800 bytes.
        title: `${i} ${'é漢𝄞字'.repeat(20 + (i % 120))}`,
        clockSkewMs: [-2500, -1, 1, 999, 86_400_000, -86_399_999][i % 6] as number,
      });
    });
    expect(await insertVisits(pool, records)).toEqual({ inserted: 600, dropped: 0 });
    const r = await pool.query<{ id: string; title: string; same: boolean }>(
      `SELECT id, title,
              started_at_corrected = started_at + clock_skew_ms * interval '1 millisecond'
          AND ended_at_corrected = ended_at + clock_skew_ms * interval '1 millisecond' AS same
         FROM visits WHERE device_id = $1`,
      [device],
    );
    const byId = new Map(r.rows.map((row) => [row.id, row]));
    for (const v of records)
      expect(byId.get(v.id)).toEqual({ id: v.id, title: v.title, same: true });
  });

  it('a write of many COPY chunks with an already stored row first stores the rest, once', async () => {
    const device = await addDevice(pool);
    const records = Array.from({ length: 3000 }, (_, i) =>
      visit(
        device,
        `2030-03-10T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`,
      ),
    );
    // The first row is stored already: COPY fails at once, while later chunks are still being written.
    expect(await insertVisits(pool, records.slice(0, 1))).toEqual({ inserted: 1, dropped: 0 });
    expect(await insertVisits(pool, records)).toEqual({ inserted: 2999, dropped: 0 });
    expect(await insertVisits(pool, records)).toEqual({ inserted: 0, dropped: 0 });
    const r = await pool.query<{ n: string; d: string }>(
      'SELECT count(*) AS n, count(DISTINCT id) AS d FROM visits WHERE device_id = $1',
      [device],
    );
    expect(r.rows[0]).toEqual({ n: '3000', d: '3000' });
    // The connection the failed COPY ran on is still usable, and nothing is left open on it.
    const open = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'",
    );
    expect(open.rows[0]?.n).toBe('0');
  });

  it('lets grafana_reader read visits but neither token hashes nor any write', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('SET ROLE grafana_reader');
      await client.query('SELECT count(*) FROM visits');
      await client.query('SELECT id, browser_name, os FROM devices');
      await expect(client.query('SELECT token_hash FROM devices')).rejects.toThrow(
        /permission denied/,
      );
      await expect(client.query('SELECT * FROM erased_devices')).rejects.toThrow(
        /permission denied/,
      );
      await expect(client.query("DELETE FROM visits WHERE domain = 'x'")).rejects.toThrow(
        /permission denied/,
      );
      await expect(client.query("UPDATE devices SET label = 'x'")).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await client.end();
    }
  });

  it('an erase waits for a writer holding the device and then deletes what it wrote', async () => {
    const device = await addDevice(pool);
    const writer = await pool.connect();
    try {
      // A consumer transaction has locked the device and inserted, not yet committed.
      await writer.query('BEGIN');
      await writer.query('SELECT id FROM devices WHERE id = $1 FOR KEY SHARE', [device]);
      const v = visit(device, '2030-03-07T00:00:00.000Z');
      await writer.query(
        `INSERT INTO visits (id, started_at, ended_at, device_id, session_id, batch_id, domain, active_ms,
           started_at_corrected, ended_at_corrected, clock_skew_ms, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'example.com', 1, $2, $3, 0, $3)`,
        [v.id, v.startedAt, v.endedAt, device, v.sessionId, v.batchId],
      );
      const erase = eraseDevice(pool, device);
      let finished = false;
      void erase.then(() => {
        finished = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(finished).toBe(false);
      await writer.query('COMMIT');
      expect(await erase).toBe(1);
      expect(await partitionOf(pool, v.id)).toBeUndefined();
      // A writer arriving after the erase finds no device and drops its rows.
      const late = await insertVisits(pool, [visit(device, '2030-03-08T00:00:00.000Z')]);
      expect(late).toEqual({ inserted: 0, dropped: 1 });
    } finally {
      writer.release();
    }
  });
});
