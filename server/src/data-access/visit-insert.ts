import { arrayLiteral } from './array-literal.js';
import type { Pool, PoolClient } from './pool.js';
import { sameRequestContext, type VisitRecord, type WriteResult } from './visit-record.js';
import { watermarkUpsertSql, watermarkValues } from './watermarks-repo.js';

/**
 * What every record of one request shares (device, batch, receive time, clock
 * skew, user agent) is sent once per request and picked per row by index: a
 * third fewer bytes to send and for PostgreSQL to parse than one value per row
 * (the bind message is the largest CPU cost of writing rows). Picking
 * from an array of texts walks it, so one statement takes at most this many.
 */
export const MAX_CONTEXTS = 64;

/** The end of the run of rows from start that holds at most MAX_CONTEXTS contexts. */
export function contextsEnd(rows: VisitRecord[], start: number): number {
  let contexts = 1;
  for (let i = start + 1; i < rows.length; i++) {
    if (!sameRequestContext(rows[i - 1] as VisitRecord, rows[i] as VisitRecord)) {
      contexts += 1;
      if (contexts > MAX_CONTEXTS) return i;
    }
  }
  return rows.length;
}

/** Rows by device (stable: of duplicates the first is still kept), so triggers lock in order. */
export function byDevice(rows: VisitRecord[]): VisitRecord[] {
  return [...rows].sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
}

/**
 * The INSERT of $1-$19 (insertValues), rows kept where `where` holds ($10[u.ctx] is the
 * row's device). The corrected times are computed in SQL (raw time + skew): cheaper than in
 * JavaScript. unnest keeps the rows in order, so of duplicates the first is kept.
 */
function insertSql(where: string): string {
  return `INSERT INTO visits (id, started_at, ended_at, device_id, session_id, batch_id, url, domain,
       title, active_ms, transition, started_at_corrected, ended_at_corrected, clock_skew_ms,
       received_at, browser_name, browser_version, os_name, os_version, device_type)
     SELECT u.id, u.started_at, u.ended_at, ($10::uuid[])[u.ctx], u.session_id,
       ($11::uuid[])[u.ctx], u.url, u.domain, u.title, u.active_ms, u.transition,
       u.started_at + ($12::bigint[])[u.ctx] * interval '1 millisecond',
       u.ended_at + ($12::bigint[])[u.ctx] * interval '1 millisecond',
       ($12::bigint[])[u.ctx], ($13::timestamptz[])[u.ctx], ($14::text[])[u.ctx],
       ($15::text[])[u.ctx], ($16::text[])[u.ctx], ($17::text[])[u.ctx], ($18::text[])[u.ctx]
     FROM unnest($1::int[], $2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::uuid[],
       $6::text[], $7::text[], $8::text[], $9::bigint[], $19::text[])
       AS u(ctx, id, started_at, ended_at, session_id, url, domain, title, active_ms, transition)
     WHERE ${where}
     ON CONFLICT DO NOTHING`;
}

/** The parameters of insertSql for rows holding at most MAX_CONTEXTS contexts. */
function insertValues(rows: VisitRecord[]): unknown[] {
  const contexts: VisitRecord[] = [];
  const ctx: number[] = [];
  const id: string[] = [];
  const startedAt: string[] = [];
  const endedAt: string[] = [];
  const sessionId: string[] = [];
  const url: (string | null)[] = [];
  const domain: string[] = [];
  const title: (string | null)[] = [];
  const activeMs: number[] = [];
  const transition: (string | null)[] = [];
  let current: VisitRecord | undefined;
  for (const r of rows) {
    if (current === undefined || !sameRequestContext(current, r)) {
      current = r;
      contexts.push(r);
    }
    ctx.push(contexts.length);
    id.push(r.id);
    startedAt.push(r.startedAt);
    endedAt.push(r.endedAt);
    sessionId.push(r.sessionId);
    url.push(r.url);
    domain.push(r.domain);
    title.push(r.title);
    activeMs.push(r.activeMs);
    transition.push(r.transition);
  }
  return [
    arrayLiteral(ctx),
    arrayLiteral(id),
    arrayLiteral(startedAt),
    arrayLiteral(endedAt),
    arrayLiteral(sessionId),
    arrayLiteral(url),
    arrayLiteral(domain),
    arrayLiteral(title),
    arrayLiteral(activeMs),
    arrayLiteral(contexts.map((c) => c.deviceId)),
    arrayLiteral(contexts.map((c) => c.batchId)),
    arrayLiteral(contexts.map((c) => c.clockSkewMs)),
    arrayLiteral(contexts.map((c) => c.receivedAt)),
    arrayLiteral(contexts.map((c) => c.client.browserName)),
    arrayLiteral(contexts.map((c) => c.client.browserVersion)),
    arrayLiteral(contexts.map((c) => c.client.osName)),
    arrayLiteral(contexts.map((c) => c.client.osVersion)),
    arrayLiteral(contexts.map((c) => c.client.deviceType)),
    arrayLiteral(transition),
  ];
}

/** The idempotent INSERT of rows holding at most MAX_CONTEXTS contexts; resolves with the rows new. */
export async function insertRows(client: PoolClient, rows: VisitRecord[]): Promise<number> {
  // Named: each connection parses and plans it once, not once per write.
  const result = await client.query({
    name: 'insert-visits',
    text: insertSql('true'),
    values: insertValues(rows),
  });
  return result.rowCount ?? 0;
}

/** Writes this small go in one statement (insertInOneStatement); larger ones COPY. */
export const ONE_STATEMENT_ROWS = MAX_CONTEXTS;

/**
 * A small write as one statement, its own transaction: the live devices locked FOR KEY SHARE,
 * their rows inserted (ON CONFLICT DO NOTHING) and their watermarks moved, in one round trip
 * where the COPY transaction takes six (BEGIN, the lock, COPY and its data, the watermarks,
 * COMMIT). With one event per request a write is a few requests' rows, and the round trips,
 * not the rows, were its cost. The guarantees are the transaction's: the lock is taken before
 * any row of its device is inserted (an erase that deleted the device first is waited for and
 * its device then not found; one that comes later waits for this commit and deletes the rows),
 * the rows and the watermarks commit together, and a resend inserts nothing again. Records
 * of devices that no longer exist are dropped. At most ONE_STATEMENT_ROWS rows, so
 * at most MAX_CONTEXTS contexts.
 */
export async function insertInOneStatement(
  pool: Pool,
  records: VisitRecord[],
): Promise<WriteResult> {
  const rows = byDevice(records);
  const result = await pool.query<{ inserted: number; live: string[] }>({
    name: 'insert-visits-one-statement',
    text: `WITH live AS MATERIALIZED (
         SELECT id FROM devices WHERE id = ANY($10::uuid[]) ORDER BY id FOR KEY SHARE
       ), stored AS (
         ${insertSql('($10::uuid[])[u.ctx] IN (SELECT id FROM live)')}
         RETURNING 1
       ), marks AS (
         ${watermarkUpsertSql(20, 'IN (SELECT id FROM live)')}
       )
       SELECT (SELECT count(*) FROM stored)::int AS inserted,
              ARRAY(SELECT id::text FROM live) AS live`,
    values: [...insertValues(rows), ...watermarkValues(rows)],
  });
  const row = result.rows[0];
  const live = new Set(row?.live ?? []);
  const dropped = records.filter((r) => !live.has(r.deviceId)).length;
  return { inserted: row?.inserted ?? 0, dropped };
}
