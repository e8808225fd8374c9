import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { COPY_COLUMNS, copyChunks } from './copy-text.js';
import type { Pool, PoolClient } from './pool.js';
import { withTransaction } from './pool.js';
import {
  byDevice,
  contextsEnd,
  insertInOneStatement,
  insertRows,
  ONE_STATEMENT_ROWS,
} from './visit-insert.js';
import type { VisitRecord, WriteResult } from './visit-record.js';
import { moveWatermarks } from './watermarks-repo.js';

/**
 * Stores records idempotently (on (id, started_at)); one transaction commits
 * them all, never row by row.
 *
 * COPY first: PostgreSQL takes its rows for less CPU than INSERT ... SELECT
 * FROM unnest (bench/run.ts's ceiling measures both). COPY has no ON CONFLICT,
 * so a row already stored (a resent batch, a consumer replaying after a crash)
 * makes it fail with unique_violation, and its transaction is rolled back
 * whole; a second transaction then stores the rows with the INSERT's ON
 * CONFLICT DO NOTHING. Not a savepoint inside one transaction: that costs two
 * more round trips on every write, for a case that is rare. Any other error is
 * the data's (or unavailability): thrown.
 *
 * Records of devices that no longer exist are dropped. The device rows are
 * locked FOR KEY SHARE first, so an erase (which deletes the device row
 * first) either waits for this transaction and then deletes its rows, or
 * commits first and this transaction sees the device gone.
 */
export async function insertVisits(pool: Pool, records: VisitRecord[]): Promise<WriteResult> {
  if (records.length === 0) return { inserted: 0, dropped: 0 };
  // A few rows: the transaction's round trips cost more than COPY saves (visit-insert.ts).
  if (records.length <= ONE_STATEMENT_ROWS) return insertInOneStatement(pool, records);
  try {
    return await withTransaction(pool, (client) => writeVisits(client, records, copyRows));
  } catch (err) {
    if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
  }
  return withTransaction(pool, (client) => writeVisits(client, records, insertRowsInStatements));
}

async function writeVisits(
  client: PoolClient,
  records: VisitRecord[],
  store: (client: PoolClient, rows: VisitRecord[]) => Promise<number>,
): Promise<WriteResult> {
  const deviceIds = [...new Set(records.map((r) => r.deviceId))];
  const live = await client.query<{ id: string }>({
    name: 'lock-live-devices',
    text: 'SELECT id FROM devices WHERE id = ANY($1::uuid[]) ORDER BY id FOR KEY SHARE',
    values: [deviceIds],
  });
  const liveIds = new Set(live.rows.map((r) => r.id));
  const rows = records.filter((r) => liveIds.has(r.deviceId));
  const dropped = records.length - rows.length;
  if (rows.length === 0) return { inserted: 0, dropped };
  // The watermarks before the rows, as the one-statement write's CTE takes them before its
  // triggers lock the rollups' rows: two writers of a device then lock in one order.
  await moveWatermarks(client, rows);
  const inserted = await store(client, rows);
  return { inserted, dropped };
}

/**
 * The idempotent INSERT, in as many statements as MAX_CONTEXTS needs; resolves with the rows new.
 * The rows go by device (a stable sort: of duplicates the first is still kept), so the
 * statements' triggers lock the per-device rollups' rows device after device, as one statement
 * does, and two writers of the same devices take them in the same order.
 */
async function insertRowsInStatements(client: PoolClient, given: VisitRecord[]): Promise<number> {
  const rows = byDevice(given);
  let inserted = 0;
  let start = 0;
  while (start < rows.length) {
    const end = contextsEnd(rows, start);
    inserted += await insertRows(client, rows.slice(start, end));
    start = end;
  }
  return inserted;
}

const UNIQUE_VIOLATION = '23505';

/** COPY ... FROM STDIN of the rows in text format; resolves with the rows stored. */
async function copyRows(client: PoolClient, rows: VisitRecord[]): Promise<number> {
  // All text first: a record that cannot be written throws here, before the COPY starts.
  const chunks = copyChunks(rows);
  const stream = client.query(copyFrom(`COPY visits (${COPY_COLUMNS}) FROM STDIN`));
  await pipeline(Readable.from(chunks), stream);
  return stream.rowCount;
}

export interface ServerVisit {
  id: string;
  url: string | null;
  domain: string;
  title: string | null;
  startedAt: string;
  endedAt: string;
  activeMs: number;
  sessionId: string;
  transition: string | null;
  startedAtCorrected: string;
  endedAtCorrected: string;
  receivedAt: string;
  batchId: string;
}

interface VisitRow {
  id: string;
  url: string | null;
  domain: string;
  title: string | null;
  started_at: Date;
  ended_at: Date;
  active_ms: string;
  session_id: string;
  transition: string | null;
  started_at_corrected: Date;
  ended_at_corrected: Date;
  received_at: Date;
  batch_id: string;
  /** started_at to the microsecond, as UTC text: the paging cursor (a Date keeps milliseconds only). */
  cursor: string;
}

function toServerVisit(r: VisitRow): ServerVisit {
  return {
    id: r.id,
    url: r.url,
    domain: r.domain,
    title: r.title,
    startedAt: r.started_at.toISOString(),
    endedAt: r.ended_at.toISOString(),
    activeMs: Number(r.active_ms),
    sessionId: r.session_id,
    transition: r.transition,
    startedAtCorrected: r.started_at_corrected.toISOString(),
    endedAtCorrected: r.ended_at_corrected.toISOString(),
    receivedAt: r.received_at.toISOString(),
    batchId: r.batch_id,
  };
}

/**
 * Pages through one device's visits in (started_at, id) order, pageSize rows
 * at a time, so an export of a large history never sits in memory whole.
 *
 * The cursor carries started_at exactly, as text PostgreSQL wrote: through a
 * JS Date it would lose its microseconds, and a page's worth of visits within
 * one millisecond would then be read again and again, forever. Stopping the
 * generator (return(), or a for-await left early) stops the paging.
 */
export async function* visitsOfDevice(
  pool: Pool,
  deviceId: string,
  pageSize = 1000,
): AsyncGenerator<ServerVisit> {
  let after: { startedAt: string; id: string } | null = null;
  for (;;) {
    const params: unknown[] = [deviceId, pageSize];
    let where = 'device_id = $1';
    if (after !== null) {
      params.push(after.startedAt, after.id);
      where += ' AND (started_at, id) > ($3::timestamptz, $4::uuid)';
    }
    const res = await pool.query<VisitRow>(
      `SELECT id, url, domain, title, started_at, ended_at, active_ms, session_id, transition,
              started_at_corrected, ended_at_corrected, received_at, batch_id,
              to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor
         FROM visits WHERE ${where} ORDER BY started_at, id LIMIT $2`,
      params,
    );
    for (const row of res.rows) yield toServerVisit(row);
    const last = res.rows.at(-1);
    if (last === undefined || res.rows.length < pageSize) return;
    after = { startedAt: last.cursor, id: last.id };
  }
}
