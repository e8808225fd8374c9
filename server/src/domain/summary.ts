/**
 * GET /api/v1/me/summary: the daily figures per domain and device of every device linked to the
 * caller's person (the caller alone when it is not linked), from the daily and hourly rollups
 * the writer keeps (migrations 1796530000000 and 1796620000000), with each device's watermark
 * (1796650000000): up to which of its acknowledged batches the figures hold them. In Kafka mode
 * the consumer writes a batch after the API acknowledged it, so the calling device adds its
 * acknowledged visits past its watermark itself; the other devices' figures are as old as the
 * consumer's lag.
 */
import {
  describeIssues,
  isoDayAfter,
  type LinkedDevice,
  SUMMARY_MAX_DAYS,
  SummaryQuerySchema,
} from '#protocol';
import { linkOfDevice } from '../data-access/link-repo.js';
import type { Pool } from '../data-access/pool.js';
import { summaryCursorKey } from '../data-access/summary-cursor-key.js';
import {
  type ChangedDay,
  readSummary,
  type SummaryDbRow,
  type SummaryRead,
} from '../data-access/summary-repo.js';
import { AppError } from './errors.js';
import { linkState } from './link.js';
import { decodeCursor, devicesDigest, encodeCursor, sinceRange } from './summary-cursor.js';

const DAY_MS = 86_400_000;
/** IANA names only ("Europe/Berlin", "UTC", "Etc/GMT+5"): not POSIX strings such as "+05:00". */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

export interface SummaryRange {
  from: string;
  to: string;
  tz: string;
  /** The answer's version: 1 a Summary, 2 a CompactSummary (docs/api.md). */
  v: 1 | 2;
  /** An earlier answer's cursor (`since`), sealed: only the days changed since, when it fits. */
  since: string | null;
}

/** The query, or 400 invalid_request with a message naming what is wrong. */
export function parseSummaryQuery(query: Record<string, unknown>): SummaryRange {
  for (const [key, value] of Object.entries(query)) {
    if (typeof value !== 'string') {
      throw new AppError('invalid_request', `${key}: give it once, as plain text`);
    }
  }
  const parsed = SummaryQuerySchema.safeParse(query);
  if (!parsed.success) {
    throw new AppError('invalid_request', describeIssues(parsed.error), parsed.error.issues);
  }
  const { from, to, tz, v, since } = parsed.data;
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (days < 1) throw new AppError('invalid_request', `to: must not be before from (${from})`);
  if (days > SUMMARY_MAX_DAYS) {
    throw new AppError(
      'invalid_request',
      `from..to: at most ${SUMMARY_MAX_DAYS} days at once (asked for ${days})`,
    );
  }
  if (!IANA_NAME.test(tz) || !knownZone(tz)) {
    throw new AppError('invalid_request', `tz: "${tz}" is not an IANA time zone name`);
  }
  return {
    from,
    to,
    tz,
    v: v === '2' ? 2 : 1,
    since: since ?? null,
  };
}

function knownZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL's "time zone not recognized": a zone Node knows and its tz database does not. */
const INVALID_PARAMETER_VALUE = '22023';

/**
 * The summary of the caller's person as the JSON text of the version asked for. Built as text:
 * at a year of dense history (171,000 rows) objects per row and JSON.stringify over them cost
 * more than the database's part.
 */
export async function summarize(
  pool: Pool,
  deviceId: string,
  range: SummaryRange,
  now: Date,
): Promise<string> {
  const key = await summaryCursorKey(pool);
  const cursor = range.since === null ? null : decodeCursor(range.since, key);
  const link = await linkOfDevice(pool, deviceId);
  if (link === null) throw new AppError('device_deleted', 'This device was erased.');
  const { devices } = linkState(link, deviceId);
  const ids = devices.map((d) => d.id);
  const digest = devicesDigest(ids);
  // A cursor of another zone or set of linked devices, or of days none of this range's, says
  // nothing about this answer's days: the whole range then.
  const since = sinceRange(cursor, range, digest);
  let read: SummaryRead;
  try {
    read = await readSummary(pool, ids, range.from, range.to, range.tz, range.v === 1, since);
  } catch (err) {
    if ((err as { code?: string }).code !== INVALID_PARAMETER_VALUE) throw err;
    throw new AppError('invalid_request', `tz: "${range.tz}" is not a time zone this server knows`);
  }
  const { rows, watermarks, changed } = read;
  // Only the caller's own batch number: the others' are theirs, and mean nothing to it.
  const own = watermarks.find((w) => w.deviceId === deviceId);
  const head = {
    ...(range.v === 2 ? { v: 2 } : {}),
    from: range.from,
    to: range.to,
    tz: range.tz,
    generatedAt: now.toISOString(),
    devices,
    appliedThrough: Object.fromEntries(
      watermarks.map((w) => [w.deviceId, w.appliedThrough.toISOString()]),
    ),
    lastBatchId: own?.batchId ?? null,
    appliedSeq: own?.appliedSeq ?? null,
    cursor: encodeCursor({ ...range, devices: digest, snapshot: read.snapshot }, key),
    complete: changed === null,
    ...(changed === null ? {} : { changed: changedList(changed, range, ids) }),
  };
  const start = JSON.stringify(head).slice(0, -1);
  return range.v === 2
    ? `${start},${compactRows(rows)}}`
    : `${start},${rowObjects(rows, range.from, devices)}}`;
}

/** The days an incremental answer replaces: [day, device] (v 2) or {date, deviceId} (v 1). */
function changedList(
  changed: ChangedDay[],
  range: SummaryRange,
  ids: string[],
): ChangedDay[] | { date: string; deviceId: string }[] {
  if (range.v === 2) return changed;
  return changed
    .map(([day, device]) => ({ date: isoDayAfter(range.from, day), deviceId: ids[device] ?? '' }))
    .sort((a, b) => (a.date + a.deviceId < b.date + b.deviceId ? -1 : 1));
}

/** "domains":[...],"rows":[[day,domain,device,activeMs,visits],...] */
function compactRows(rows: SummaryDbRow[]): string {
  const index = new Map<string, number>();
  const parts: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [day, domain, device, activeMs, visits] = rows[i] as SummaryDbRow;
    let d = index.get(domain);
    if (d === undefined) {
      d = index.size;
      index.set(domain, d);
    }
    parts[i] = `[${day},${d},${device},${activeMs},${visits}]`;
  }
  return `"domains":${JSON.stringify([...index.keys()])},"rows":[${parts.join(',')}]`;
}

/** "rows":[{"date","domain","deviceId","activeMs","visits"},...] (Summary's rows). */
function rowObjects(rows: SummaryDbRow[], from: string, devices: LinkedDevice[]): string {
  const dates = new Map<number, string>();
  const ids = devices.map((d) => JSON.stringify(d.id));
  const domains = new Map<string, string>();
  const parts: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [day, domain, device, activeMs, visits] = rows[i] as SummaryDbRow;
    let date = dates.get(day);
    if (date === undefined) {
      date = `"${isoDayAfter(from, day)}"`;
      dates.set(day, date);
    }
    let name = domains.get(domain);
    if (name === undefined) {
      name = JSON.stringify(domain);
      domains.set(domain, name);
    }
    parts[i] =
      `{"date":${date},"domain":${name},"deviceId":${ids[device]},"activeMs":${activeMs},"visits":${visits}}`;
  }
  return `"rows":[${parts.join(',')}]`;
}
