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

function readEvent(record: string, event: unknown): ParsedVisit | SkipReasonCode {
  if (!isRecord(event) || !isRecord(event.data)) return 'not_web';
  const startedMs = typeof event.timestamp === 'string' ? Date.parse(event.timestamp) : Number.NaN;
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
