import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { sameRequestContext, type VisitRecord, type WriteResult } from '../domain/visit-record.js';
import type { Pool, PoolClient } from './pool.js';
import { withTransaction } from './pool.js';

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
  return { inserted: await store(client, rows), dropped };
}

/** The idempotent INSERT, in as many statements as MAX_CONTEXTS needs; resolves with the rows new. */
async function insertRowsInStatements(client: PoolClient, rows: VisitRecord[]): Promise<number> {
  let inserted = 0;
  let start = 0;
  while (start < rows.length) {
    const end = contextsEnd(rows, start);
    inserted += await insertRows(client, rows.slice(start, end));
    start = end;
  }
  return inserted;
}

/**
 * What every record of one request shares (device, batch, receive time, clock
 * skew, user agent) is sent once per request and picked per row by index: a
 * third fewer bytes to send and for PostgreSQL to parse than one value per row
 * (profiled: sending the bind message was the writer's largest CPU cost). Picking
 * from an array of texts walks it, so one statement takes at most this many.
 */
const MAX_CONTEXTS = 64;

/** The end of the run of rows from start that holds at most MAX_CONTEXTS contexts. */
function contextsEnd(rows: VisitRecord[], start: number): number {
  let contexts = 1;
  for (let i = start + 1; i < rows.length; i++) {
    if (!sameRequestContext(rows[i - 1] as VisitRecord, rows[i] as VisitRecord)) {
      contexts += 1;
      if (contexts > MAX_CONTEXTS) return i;
    }
  }
  return rows.length;
}

async function insertRows(client: PoolClient, rows: VisitRecord[]): Promise<number> {
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
  // The corrected times are computed in SQL (raw time + skew): cheaper than in JavaScript.
  // unnest keeps the rows in order, so of duplicates within the batch the first is kept.
  // Named: each connection parses and plans it once, not once per write.
  const result = await client.query({
    name: 'insert-visits',
    text: `INSERT INTO visits (id, started_at, ended_at, device_id, session_id, batch_id, url, domain,
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
     ON CONFLICT DO NOTHING`,
    values: [
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
    ],
  });
  return result.rowCount ?? 0;
}

const UNIQUE_VIOLATION = '23505';

const COPY_COLUMNS = `id, started_at, ended_at, device_id, session_id, batch_id, url, domain, title,
  active_ms, transition, started_at_corrected, ended_at_corrected, clock_skew_ms, received_at,
  browser_name, browser_version, os_name, os_version, device_type`;

/** Bytes per write to the COPY stream: large enough to be cheap, small enough to stream. */
const COPY_CHUNK_BYTES = 64 * 1024;

/** COPY ... FROM STDIN of the rows in text format; resolves with the rows stored. */
async function copyRows(client: PoolClient, rows: VisitRecord[]): Promise<number> {
  // All text first: a record that cannot be written throws here, before the COPY starts.
  const chunks = copyChunks(rows);
  const stream = client.query(copyFrom(`COPY visits (${COPY_COLUMNS}) FROM STDIN`));
  await pipeline(Readable.from(chunks), stream);
  return stream.rowCount;
}

/**
 * The rows as COPY text, encoded line by line into buffers of about
 * COPY_CHUNK_BYTES. Not one string per chunk: encoding a long string built by
 * concatenation was a quarter of the writer's CPU, and its garbage more
 * (profiled).
 */
function copyChunks(rows: VisitRecord[]): Buffer[] {
  const out: Buffer[] = [];
  let buf = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
  let used = 0;
  let context: VisitRecord | undefined;
  let shared = '';
  for (const r of rows) {
    if (context === undefined || !sameRequestContext(context, r)) {
      context = r;
      shared = copyContext(r);
    }
    const line = copyLine(r, shared);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (used + line.length * 3 > buf.length) {
      if (used > 0) out.push(buf.subarray(0, used));
      buf = Buffer.allocUnsafe(Math.max(COPY_CHUNK_BYTES, line.length * 3));
      used = 0;
    }
    used += buf.write(line, used);
  }
  if (used > 0) out.push(buf.subarray(0, used));
  return out;
}

/** The end of a row's COPY line: the columns every record of one request shares. */
function copyContext(r: VisitRecord): string {
  const c = r.client;
  return `${r.clockSkewMs}\t${copyField(r.receivedAt)}\t${copyField(c.browserName)}\t${copyField(c.browserVersion)}\t${copyField(c.osName)}\t${copyField(c.osVersion)}\t${copyField(c.deviceType)}\n`;
}

/** One row's COPY line (COPY_COLUMNS' order); the corrected times are the raw ones plus the skew. */
function copyLine(r: VisitRecord, context: string): string {
  return `${copyField(r.id)}\t${copyField(r.startedAt)}\t${copyField(r.endedAt)}\t${copyField(r.deviceId)}\t${copyField(r.sessionId)}\t${copyField(r.batchId)}\t${copyField(r.url)}\t${copyField(r.domain)}\t${copyField(r.title)}\t${r.activeMs}\t${copyField(r.transition)}\t${shiftedTime(r.startedAt, r.clockSkewMs)}\t${shiftedTime(r.endedAt, r.clockSkewMs)}\t${context}`;
}

const COPY_SPECIAL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

const COPY_SPECIAL_TEST = /[\\\n\r\t]/;

/** One value in COPY's text format: \N for null, backslash escapes for the four special characters. */
function copyField(v: string | null): string {
  if (v === null) return '\\N';
  // Tested first: most values have nothing to escape, and a test is cheaper than a replace.
  return COPY_SPECIAL_TEST.test(v)
    ? v.replace(COPY_SPECIAL, (ch) => COPY_ESCAPES[ch] as string)
    : v;
}

/** Digits of a time's fraction past the millisecond (kept: PostgreSQL stores microseconds). */
const SUB_MS_DIGITS = /:\d\d\.\d{3}(\d+)/;

/**
 * The ISO time `iso` plus `ms` milliseconds, as PostgreSQL would compute
 * `iso::timestamptz + ms * interval '1 millisecond'`: the same instant, to the
 * microsecond. A time JavaScript cannot read is the data's fault: the error
 * sends the record to the dead-letter topic.
 */
export function shiftedTime(iso: string, ms: number): string {
  if (ms === 0) return iso;
  return shiftedWithinDay(iso, ms) ?? shiftedByDate(iso, ms);
}

/** shiftedTime by Date arithmetic, for any form Date reads (exported for the fast path's test). */
export function shiftedByDate(iso: string, ms: number): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) throw new Error(`unreadable time ${JSON.stringify(iso)}`);
  const shifted = new Date(t + ms).toISOString();
  // The extension's own form (toISOString: milliseconds, Z) has nothing past the millisecond.
  if (iso.length === 24 && iso.charCodeAt(23) === 90 /* Z */) return shifted;
  const extra = SUB_MS_DIGITS.exec(iso)?.[1];
  return extra === undefined ? shifted : `${shifted.slice(0, -1)}${extra}Z`;
}

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** The decimal digits of s in [from, to) as a number, or NaN. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}

/** The last YYYY-MM-DD found to be a real day (a write's times share a few days). */
let realDay = '';

function isRealDay(day: string): boolean {
  if (day === realDay) return true;
  const t = Date.parse(`${day}T00:00:00.000Z`);
  if (!Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== day) return false;
  realDay = day;
  return true;
}

/**
 * shiftedByDate's answer, without parsing and formatting a Date, for the
 * extension's own form (YYYY-MM-DDTHH:MM:SS.mmmZ) when the shifted time stays
 * within the same UTC day; undefined otherwise. Two per row, so it was a
 * tenth of the consumer's CPU (profiled).
 */
function shiftedWithinDay(iso: string, ms: number): string | undefined {
  if (
    iso.length !== 24 ||
    iso.charCodeAt(10) !== 84 /* T */ ||
    iso.charCodeAt(13) !== 58 /* : */ ||
    iso.charCodeAt(16) !== 58 ||
    iso.charCodeAt(19) !== 46 /* . */ ||
    iso.charCodeAt(23) !== 90 /* Z */ ||
    !Number.isSafeInteger(ms)
  ) {
    return undefined;
  }
  const h = digits(iso, 11, 13);
  const m = digits(iso, 14, 16);
  const s = digits(iso, 17, 19);
  const milli = digits(iso, 20, 23);
  // NaN fails every comparison: a non-digit falls through to Date.
  if (!(h < 24 && m < 60 && s < 60 && milli >= 0)) return undefined;
  const t = ((h * 60 + m) * 60 + s) * 1000 + milli + ms;
  if (!(t >= 0 && t < 86_400_000) || !isRealDay(iso.slice(0, 10))) return undefined;
  const sh = Math.floor(t / 3_600_000);
  const sm = Math.floor(t / 60_000) % 60;
  const ss = Math.floor(t / 1000) % 60;
  return `${iso.slice(0, 11)}${PAD2[sh]}:${PAD2[sm]}:${PAD2[ss]}.${PAD3[t % 1000]}Z`;
}

const NEEDS_ESCAPE = /["\\]/;

/**
 * A PostgreSQL array literal, every string element quoted (so no element can
 * read as NULL or split on a comma or brace), null as NULL. What node-postgres
 * does for a JavaScript array, in one join instead of a regex pair per element.
 */
function arrayLiteral(values: readonly (string | number | null)[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts[i] = 'NULL';
    else if (typeof v === 'number') parts[i] = String(v);
    else if (NEEDS_ESCAPE.test(v)) parts[i] = `"${v.replace(/[\\"]/g, '\\$&')}"`;
    else parts[i] = `"${v}"`;
  }
  return `{${parts.join(',')}}`;
}

export interface StoredVisit {
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
}

function toStoredVisit(r: VisitRow): StoredVisit {
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
 */
export async function* visitsOfDevice(
  pool: Pool,
  deviceId: string,
  pageSize = 1000,
): AsyncGenerator<StoredVisit> {
  let after: { startedAt: Date; id: string } | null = null;
  for (;;) {
    const params: unknown[] = [deviceId, pageSize];
    let where = 'device_id = $1';
    if (after !== null) {
      params.push(after.startedAt, after.id);
      where += ' AND (started_at, id) > ($3, $4)';
    }
    const res = await pool.query<VisitRow>(
      `SELECT id, url, domain, title, started_at, ended_at, active_ms, session_id, transition,
              started_at_corrected, ended_at_corrected, received_at, batch_id
         FROM visits WHERE ${where} ORDER BY started_at, id LIMIT $2`,
      params,
    );
    for (const row of res.rows) yield toStoredVisit(row);
    const last = res.rows.at(-1);
    if (last === undefined || res.rows.length < pageSize) return;
    after = { startedAt: last.started_at, id: last.id };
  }
}
