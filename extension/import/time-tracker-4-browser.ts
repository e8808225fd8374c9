/**
 * time-tracker-4-browser's record exports (its Record page, download as JSON or CSV;
 * src/pages/app/components/Record/file-export.ts and src/util/file.ts, read at v4.5.0, the
 * same shape since v2.5.8 apart from the category column). One row per site and day:
 * - JSON: [{ host, group, date: 'YYYYMMDD', alias, cate, focus: seconds as a string, time: visits }]
 *   (host is absent when merged by category or tab group, date when merged by date);
 * - CSV: a BOM, a header in the person's language, then unquoted cells joined by ',' and
 *   lines by CRLF, columns date, host, alias, [category], focus (whole seconds), visits.
 *   The header is translated, so the columns are found by place: the date first, the host
 *   second, focus and visits last (an alias with a comma in it only shifts the middle).
 */
import Papa from 'papaparse';
import {
  collect,
  isCount,
  isRecord,
  type ParsedDay,
  type ParsedFile,
  type SkippedRecord,
  type SkipReasonCode,
} from './types.js';

const YMD = /^(\d{4})(\d{2})(\d{2})$/;

/** '20240417' to '2024-04-17', or null for anything else. */
export function ymdDay(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  const m = YMD.exec(text.trim());
  if (m === null) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const ms = Date.parse(`${iso}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().startsWith(iso) ? iso : null;
}

/** Figures as the exports write them: plain decimal digits ("1e20" and "0x10" are not). */
const DECIMAL = /^\d+(\.\d+)?$/;

function decimal(value: unknown): unknown {
  return typeof value === 'string'
    ? DECIMAL.test(value.trim())
      ? Number(value)
      : Number.NaN
    : value;
}

/** periodFormatter(ms, { format: 'second', hideUnit: true }): whole seconds, or '-' for none. */
function seconds(value: unknown): number | null {
  const n = decimal(value);
  return isCount(n) ? n : null;
}

function visitCount(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return 0;
  const n = decimal(value);
  return isCount(n) ? Math.round(n) : null;
}

function dayRow(
  record: string,
  date: unknown,
  host: unknown,
  focus: unknown,
  time: unknown,
): ParsedDay | SkipReasonCode {
  if (typeof host !== 'string' || host.trim() === '') return 'bad_host';
  if (date === undefined || date === null || date === '') return 'no_date';
  const day = ymdDay(date);
  if (day === null) return 'bad_date';
  const s = seconds(focus);
  const visits = visitCount(time);
  if (s === null || visits === null) return 'bad_time';
  if (s === 0 && visits === 0) return 'no_time';
  return { record, day, host: host.trim(), activeMs: Math.round(s * 1000), visits };
}

/** Whether parsed JSON is the record export: a list of rows with `focus` and a date or host. */
export function isTimeTrackerJson(data: unknown): data is unknown[] {
  if (!Array.isArray(data)) return false;
  const first = data.find(isRecord);
  return first !== undefined && 'focus' in first && ('date' in first || 'host' in first);
}

export function parseTimeTrackerJson(rows: readonly unknown[]): ParsedFile {
  const days: ParsedDay[] = [];
  const skipped: SkippedRecord[] = [];
  for (const [i, row] of rows.entries()) {
    const record = `row ${i + 1}`;
    const outcome = isRecord(row)
      ? dayRow(record, row.date, row.host, row.focus, row.time)
      : 'bad_host';
    collect(record, outcome, days, skipped);
  }
  return { source: 'time-tracker-4-browser', days, visits: [], skipped };
}

/** The CSV's rows (header first), or null when the text is not such a CSV. */
export function readTimeTrackerCsv(text: string): string[][] | null {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parsed = Papa.parse<string[]>(body, { header: false, skipEmptyLines: true });
  const [header, ...data] = parsed.data;
  if (header === undefined || header.length < 4) return null;
  return data.some((row) => ymdDay(row[0]) !== null) ? parsed.data : null;
}

export function parseTimeTrackerCsv(rows: readonly string[][]): ParsedFile {
  const days: ParsedDay[] = [];
  const skipped: SkippedRecord[] = [];
  for (const [i, row] of rows.slice(1).entries()) {
    const record = `row ${i + 1}`;
    const outcome =
      row.length < 4
        ? 'bad_time'
        : dayRow(record, row[0], row[1], row[row.length - 2], row[row.length - 1]);
    collect(record, outcome, days, skipped);
  }
  return { source: 'time-tracker-4-browser', days, visits: [], skipped };
}
