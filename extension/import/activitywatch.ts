/**
 * ActivityWatch's export (aw-server-rust's GET /api/0/buckets/<id>/export and /api/0/export,
 * aw-models/src/bucket.rs and event.rs, read at 59eaae3; aw-server in Python exports the
 * same shape): { buckets: { <id>: { id, type, client, hostname, created, data, events } } }.
 * Each event is { id, timestamp: RFC 3339, duration: seconds (a float), data }. aw-watcher-web
 * (src/background/heartbeat.ts, read at v0.5.3-13-gb37e169) fills a bucket of type
 * 'web.tab.current' with heartbeats of the active tab, merged by the server while the data
 * stays the same: data { url, title, audible, incognito, tabCount }. Buckets of other
 * watchers (window, afk) are left out: they do not say which page was shown.
 */
import { z } from 'zod';
import {
  collect,
  isCount,
  isRecord,
  type ParsedFile,
  type ParsedVisit,
  type SkippedRecord,
  type SkipReasonCode,
} from './types.js';

export const BROWSER_BUCKET_TYPE = 'web.tab.current';

/** Whether parsed JSON is an ActivityWatch export: an object of buckets. */
export function isActivityWatchExport(data: unknown): data is { buckets: Record<string, unknown> } {
  return isRecord(data) && isRecord(data.buckets);
}

/**
 * RFC 3339 with its offset and a real calendar date, as both servers write it (chrono's
 * to_rfc3339, Python's isoformat); Date.parse alone reads "1" as 2001 and "+275760-09-13" too.
 */
const RFC_3339 = z.iso.datetime({ offset: true });
/** Digits after the second's point: Date.parse misreads ten or more (protocol/limits.ts). */
const MAX_FRACTION = /\.\d{10}/;

/** An RFC 3339 time as ms since the epoch, or NaN for anything else. */
export function rfc3339Ms(text: unknown): number {
  if (typeof text !== 'string') return Number.NaN;
  // RFC 3339 allows a lower-case t and z; the check and Date.parse know the upper-case ones.
  const upper = text.toUpperCase();
  if (!RFC_3339.safeParse(upper).success || MAX_FRACTION.test(upper)) return Number.NaN;
  return Date.parse(upper);
}

function readEvent(record: string, event: unknown): ParsedVisit | SkipReasonCode {
  if (!isRecord(event) || !isRecord(event.data)) return 'not_web';
  const startedMs = rfc3339Ms(event.timestamp);
  if (!Number.isFinite(startedMs)) return 'bad_date';
  if (!isCount(event.duration)) return 'bad_time';
  const { url, title, incognito } = event.data;
  if (typeof url !== 'string') return 'not_web';
  const activeMs = Math.round(event.duration * 1000);
  return {
    record,
    url,
    host: null,
    title: typeof title === 'string' ? title : null,
    startedMs,
    endedMs: startedMs + activeMs,
    activeMs,
    incognito: incognito === true,
  };
}

/** The browser buckets' events as visits; null when the export holds no browser bucket. */
export function parseActivityWatch(data: { buckets: Record<string, unknown> }): ParsedFile | null {
  const visits: ParsedVisit[] = [];
  const skipped: SkippedRecord[] = [];
  let browserBuckets = 0;
  for (const [key, bucket] of Object.entries(data.buckets)) {
    if (!isRecord(bucket) || bucket.type !== BROWSER_BUCKET_TYPE) continue;
    browserBuckets += 1;
    const events: unknown[] = Array.isArray(bucket.events) ? bucket.events : [];
    for (const [i, event] of events.entries()) {
      const record = `${key}, event ${i + 1}`;
      collect(record, readEvent(record, event), visits, skipped);
    }
  }
  return browserBuckets === 0 ? null : { source: 'activitywatch', days: [], visits, skipped };
}
