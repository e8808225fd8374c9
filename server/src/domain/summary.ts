/**
 * GET /api/v1/me/summary: the daily figures per domain and device of every device linked to the
 * caller's person (the caller alone when it is not linked), from the hourly rollup the writer
 * keeps (migration 1796530000000).
 */
import { describeIssues, SUMMARY_MAX_DAYS, type Summary, SummaryQuerySchema } from '#protocol';
import { linkOfDevice } from '../data-access/link-repo.js';
import type { Pool } from '../data-access/pool.js';
import { readSummary } from '../data-access/summary-repo.js';
import { AppError } from './errors.js';
import { linkState } from './link.js';

const DAY_MS = 86_400_000;
/** IANA names only ("Europe/Berlin", "UTC", "Etc/GMT+5"): not POSIX strings such as "+05:00". */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

export interface SummaryRange {
  from: string;
  to: string;
  tz: string;
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
  const { from, to, tz } = parsed.data;
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
  return { from, to, tz };
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

export async function summarize(
  pool: Pool,
  deviceId: string,
  range: SummaryRange,
  now: Date,
): Promise<Summary> {
  const link = await linkOfDevice(pool, deviceId);
  if (link === null) throw new AppError('device_deleted', 'This device was erased.');
  const state = linkState(link, deviceId);
  let rows: Awaited<ReturnType<typeof readSummary>>;
  try {
    rows = await readSummary(
      pool,
      state.devices.map((d) => d.id),
      range.from,
      range.to,
      range.tz,
    );
  } catch (err) {
    if ((err as { code?: string }).code !== INVALID_PARAMETER_VALUE) throw err;
    throw new AppError('invalid_request', `tz: "${range.tz}" is not a time zone this server knows`);
  }
  return {
    ...range,
    generatedAt: now.toISOString(),
    devices: state.devices,
    rows: rows.map((r) => ({
      date: r.date,
      domain: r.domain,
      deviceId: r.device_id,
      activeMs: Number(r.active_ms),
      visits: Number(r.visits),
    })),
  };
}
