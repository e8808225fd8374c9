import type { VisitRecord, WriteResult } from '../domain/visit-record.js';
import type { Pool, PoolClient } from './pool.js';
import { withTransaction } from './pool.js';

/**
 * Stores records with one multi-row INSERT ... SELECT FROM unnest ... ON
 * CONFLICT DO NOTHING (idempotent on (id, started_at)); never row by row.
 *
 * Records of devices that no longer exist are dropped. The device rows are
 * locked FOR KEY SHARE first, so an erase (which deletes the device row
 * first) either waits for this transaction and then deletes its rows, or
 * commits first and this transaction sees the device gone.
 */
export async function insertVisits(pool: Pool, records: VisitRecord[]): Promise<WriteResult> {
  if (records.length === 0) return { inserted: 0, dropped: 0 };
  return withTransaction(pool, (client) => insertVisitsIn(client, records));
}

export async function insertVisitsIn(
  client: PoolClient,
  records: VisitRecord[],
): Promise<WriteResult> {
  const deviceIds = [...new Set(records.map((r) => r.deviceId))];
  const live = await client.query<{ id: string }>(
    'SELECT id FROM devices WHERE id = ANY($1::uuid[]) ORDER BY id FOR KEY SHARE',
    [deviceIds],
  );
  const liveIds = new Set(live.rows.map((r) => r.id));
  const rows = records.filter((r) => liveIds.has(r.deviceId));
  const dropped = records.length - rows.length;
  if (rows.length === 0) return { inserted: 0, dropped };

  const cols = {
    id: [] as string[],
    startedAt: [] as string[],
    endedAt: [] as string[],
    deviceId: [] as string[],
    sessionId: [] as string[],
    batchId: [] as string[],
    url: [] as (string | null)[],
    domain: [] as string[],
    title: [] as (string | null)[],
    activeMs: [] as number[],
    transition: [] as (string | null)[],
    clockSkewMs: [] as number[],
    receivedAt: [] as string[],
    browserName: [] as (string | null)[],
    browserVersion: [] as (string | null)[],
    osName: [] as (string | null)[],
    osVersion: [] as (string | null)[],
    deviceType: [] as (string | null)[],
  };
  for (const r of rows) {
    cols.id.push(r.id);
    cols.startedAt.push(r.startedAt);
    cols.endedAt.push(r.endedAt);
    cols.deviceId.push(r.deviceId);
    cols.sessionId.push(r.sessionId);
    cols.batchId.push(r.batchId);
    cols.url.push(r.url);
    cols.domain.push(r.domain);
    cols.title.push(r.title);
    cols.activeMs.push(r.activeMs);
    cols.transition.push(r.transition);
    cols.clockSkewMs.push(r.clockSkewMs);
    cols.receivedAt.push(r.receivedAt);
    cols.browserName.push(r.client.browserName);
    cols.browserVersion.push(r.client.browserVersion);
    cols.osName.push(r.client.osName);
    cols.osVersion.push(r.client.osVersion);
    cols.deviceType.push(r.client.deviceType);
  }
  // The corrected times are computed in SQL (raw time + skew): cheaper than in JavaScript.
  const result = await client.query(
    `INSERT INTO visits (id, started_at, ended_at, device_id, session_id, batch_id, url, domain,
       title, active_ms, transition, started_at_corrected, ended_at_corrected, clock_skew_ms,
       received_at, browser_name, browser_version, os_name, os_version, device_type)
     SELECT u.id, u.started_at, u.ended_at, u.device_id, u.session_id, u.batch_id, u.url,
       u.domain, u.title, u.active_ms, u.transition,
       u.started_at + u.clock_skew_ms * interval '1 millisecond',
       u.ended_at + u.clock_skew_ms * interval '1 millisecond',
       u.clock_skew_ms, u.received_at, u.browser_name, u.browser_version, u.os_name,
       u.os_version, u.device_type
     FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::uuid[], $5::uuid[],
       $6::uuid[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::text[],
       $12::bigint[], $13::timestamptz[], $14::text[], $15::text[], $16::text[], $17::text[],
       $18::text[])
       AS u(id, started_at, ended_at, device_id, session_id, batch_id, url, domain, title,
         active_ms, transition, clock_skew_ms, received_at, browser_name, browser_version,
         os_name, os_version, device_type)
     ON CONFLICT DO NOTHING`,
    [
      cols.id,
      cols.startedAt,
      cols.endedAt,
      cols.deviceId,
      cols.sessionId,
      cols.batchId,
      cols.url,
      cols.domain,
      cols.title,
      cols.activeMs,
      cols.transition,
      cols.clockSkewMs,
      cols.receivedAt,
      cols.browserName,
      cols.browserVersion,
      cols.osName,
      cols.osVersion,
      cols.deviceType,
    ],
  );
  return { inserted: result.rowCount ?? 0, dropped };
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
