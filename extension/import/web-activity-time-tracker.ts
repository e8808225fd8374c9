/**
 * Web Activity Time Tracker's backup file (Settings, "Backup"): JSON.stringify of its Tab
 * list (src/entity/tab.ts, src/components/GeneralSettings.vue backup(), read at v2.2.2):
 * [{ url: host, favicon, summaryTime: s, counter, days: [{ date, summary: s, counter }] }]
 * where `url` is the hostname its extractHostname gave (or a file: URL), `date` is
 * toLocaleDateString('en-US') of the person's local day ("7/22/2023"), and the figures
 * count seconds of active time and times the site was opened.
 */
import {
  collect,
  isCount,
  isRecord,
  type ParsedDay,
  type ParsedFile,
  type SkippedRecord,
  type SkipReasonCode,
} from './types.js';

/** Whether parsed JSON is this backup: a list whose items carry `url` and a `days` list. */
export function isWebActivityBackup(data: unknown): data is unknown[] {
  if (!Array.isArray(data)) return false;
  const first = data.find(isRecord);
  return first !== undefined && typeof first.url === 'string' && Array.isArray(first.days);
}

const EN_US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/** "7/22/2023" to "2023-07-22", or null for anything else (or a day that does not exist). */
export function enUsDay(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  const m = EN_US_DATE.exec(text.trim());
  if (m === null) return null;
  const [month, day, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const iso = `${m[3]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  const check = new Date(Date.UTC(year, month - 1, day));
  return check.toISOString().slice(0, 10) === iso ? iso : null;
}

function readDay(record: string, host: string, entry: unknown): ParsedDay | SkipReasonCode {
  if (!isRecord(entry)) return 'bad_date';
  const day = enUsDay(entry.date);
  if (day === null) return 'bad_date';
  const seconds = entry.summary ?? 0;
  const counter = entry.counter ?? 0;
  if (!isCount(seconds) || !isCount(counter)) return 'bad_time';
  if (seconds === 0 && counter === 0) return 'no_time';
  return { record, day, host, activeMs: Math.round(seconds * 1000), visits: Math.round(counter) };
}

export function parseWebActivityBackup(items: readonly unknown[]): ParsedFile {
  const days: ParsedDay[] = [];
  const skipped: SkippedRecord[] = [];
  for (const [i, item] of items.entries()) {
    const where = `item ${i + 1}`;
    if (!isRecord(item) || typeof item.url !== 'string' || !Array.isArray(item.days)) {
      skipped.push({ record: where, reason: 'bad_host' });
      continue;
    }
    const host = item.url;
    for (const [j, entry] of (item.days as unknown[]).entries()) {
      const record = `${where} (${host}), day ${j + 1}`;
      collect(record, readDay(record, host, entry), days, skipped);
    }
  }
  return { source: 'web-activity-time-tracker', days, visits: [], skipped };
}
