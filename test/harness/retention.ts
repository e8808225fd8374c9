/** Retention tests' fixtures: a fresh database, visits with a given skew and receive time. */
import { v7 as uuidv7 } from 'uuid';
import { migrate } from '../../server/src/data-access/migrate.js';
import { maintainPartitions } from '../../server/src/data-access/partitions.js';
import { createPool, type Pool } from '../../server/src/data-access/pool.js';
import type { VisitRecord } from '../../server/src/data-access/visit-record.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import { freshDatabase } from './database.js';
import { testLogger } from './server.js';
import { visitRecord } from './visit-records.js';

const log = testLogger('retention-test');
export const DAY = 86_400_000;
/** The tests' "now": the real time, as PostgreSQL's clock has it. */
export const NOW = Date.now();

/** The first (or `day`) of the month `offset` months from now, UTC. */
export function month(offset: number, day = 1): Date {
  const now = new Date(NOW);
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, day));
}

/** A visit whose device clock read `raw`, corrected by `skewMs`, received at `received`. */
export function visit(
  deviceId: string,
  raw: Date,
  skewMs: number,
  received: Date = new Date(raw.getTime() + skewMs + 60_000),
): VisitRecord {
  return visitRecord(deviceId, raw, { clockSkewMs: skewMs, receivedAt: received.toISOString() });
}

/** A fresh migrated database (no partitions yet) with one device. */
export async function setUp(prefix: string): Promise<{ pool: Pool; device: string }> {
  const url = await freshDatabase(prefix);
  await migrate(url, log);
  const pool = createPool(url, 2, log);
  const device = uuidv7();
  await pool.query(
    `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os)
     VALUES ($1, $2, '1', 'Chrome', '131', 'Linux')`,
    [device, Buffer.alloc(32, 1)],
  );
  return { pool, device };
}

/**
 * Runs fn on a fresh database (setUp) with months -5 to +1 and a visit received now
 * (retention measures from the newest visit received); `recent` is that visit.
 */
export async function withDatabase(
  prefix: string,
  fn: (pool: Pool, device: string, recent: VisitRecord) => Promise<void>,
): Promise<void> {
  const { pool, device } = await setUp(prefix);
  try {
    await maintainPartitions(pool, {
      now: new Date(NOW),
      monthsAhead: 1,
      monthsBack: 5,
      retentionDays: 395,
    });
    const recent = visit(device, new Date(NOW - 3_600_000), 0, new Date(NOW));
    await insertVisits(pool, [recent]);
    await fn(pool, device, recent);
  } finally {
    await pool.end();
  }
}

/** Which of the records are stored, in their order. */
export async function stored(pool: Pool, records: VisitRecord[]): Promise<string[]> {
  const r = await pool.query<{ id: string }>('SELECT id FROM visits WHERE id = ANY($1::uuid[])', [
    records.map((v) => v.id),
  ]);
  const ids = new Set(r.rows.map((row) => row.id));
  return records.filter((v) => ids.has(v.id)).map((v) => v.id);
}

/** The partitions of `parent` (visits, visit_rollup, visit_rollup_days), by name. */
export async function partitions(pool: Pool, parent = 'visits'): Promise<string[]> {
  const r = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = $1 ORDER BY 1`,
    [parent],
  );
  return r.rows.map((row) => row.name);
}

/** Partition maintenance at NOW, keeping `retentionDays`, making no month back. */
export const maintainAtNow = (pool: Pool, retentionDays: number, monthsAhead = 0) =>
  maintainPartitions(pool, { now: new Date(NOW), monthsAhead, monthsBack: 0, retentionDays });

/**
 * Stores visits that retention at 60 days deletes row by row, not by dropping a month: `old`
 * shares a month past the cutoff with `young` (corrected to two hours ago); in the default
 * partition `ancient` goes and `skewedIntoWindow` (corrected to 3 days ago) stays; `ahead`, a
 * device clock ahead, is deleted through visits.
 */
export async function insertRowByRowCase(pool: Pool, device: string) {
  const raw = month(-5, 10);
  const old = visit(device, raw, 0);
  const young = visit(device, raw, NOW - 7_200_000 - raw.getTime(), new Date(NOW));
  const ancientRaw = new Date(Date.UTC(2001, 0, 1));
  const ancient = visit(device, ancientRaw, 0);
  const skewedIntoWindow = visit(device, ancientRaw, NOW - 3 * DAY - ancientRaw.getTime());
  const ahead = visit(device, new Date(NOW + 10 * DAY), -110 * DAY, new Date(NOW));
  const all = [old, young, ancient, skewedIntoWindow, ahead];
  await insertVisits(pool, all);
  return { all, young, skewedIntoWindow };
}
