/**
 * What an import reads from another tracker's file, before anything is stored. Parsers are
 * pure: text in, these plain records out; the person's settings are applied in to-records.ts.
 */

export const IMPORT_SOURCES = [
  'web-activity-time-tracker',
  'time-tracker-4-browser',
  'activitywatch',
  'tracksphere',
] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];

/** Why a record of the file was left out (each has an importSkip_<reason> message). */
export type SkipReasonCode =
  | 'not_web'
  | 'bad_host'
  | 'bad_date'
  | 'bad_time'
  | 'no_date'
  | 'no_time'
  | 'private_window'
  | 'site_paused'
  | 'not_in_allowlist'
  | 'invalid_visit'
  | 'already_imported';

export interface SkippedRecord {
  /** Where in the file: "row 3", "event 12", "item 2, day 4/17/2024". */
  record: string;
  reason: SkipReasonCode;
}

/** A day's figures for one host, as trackers without per-visit times keep them. */
export interface ParsedDay {
  record: string;
  /** 'YYYY-MM-DD', the day the source counted it on (its local day). */
  day: string;
  /** The host as the source wrote it: normalized and checked in to-records.ts. */
  host: string;
  activeMs: number;
  visits: number;
}

/** A page shown, with its times, from trackers that keep them. */
export interface ParsedVisit {
  record: string;
  /** The source's own id (Tracksphere's export), or none: one is derived. */
  id?: string;
  sessionId?: string;
  /** The address as recorded; null when the source kept the domain only. */
  url: string | null;
  /** Used when url is null. */
  host: string | null;
  title: string | null;
  startedMs: number;
  endedMs: number;
  activeMs: number;
  /** The exact start as the source wrote it, kept when it already is a valid ISO time. */
  startedAt?: string;
  endedAt?: string;
  transition?: string | null;
  incognito?: boolean;
  /** When the server acknowledged it (a Tracksphere export's sent visit): the server has it. */
  sentMs?: number;
}

export interface ParsedFile {
  source: ImportSource;
  days: ParsedDay[];
  visits: ParsedVisit[];
  skipped: SkippedRecord[];
}

/** A file that is none of the formats, or is damaged: nothing of it is imported. */
export type ImportErrorCode =
  | 'not_json_or_csv'
  | 'damaged'
  | 'unknown_format'
  | 'no_browser_bucket';

export class ImportFileError extends Error {
  constructor(
    readonly code: ImportErrorCode,
    detail: string,
  ) {
    super(detail);
    this.name = 'ImportFileError';
  }
}

/** Whether a value is a finite number at least 0 (durations and counts). */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Puts a record's outcome where it belongs: what it holds, or the reason it was left out. */
export function collect<T extends object>(
  record: string,
  outcome: T | SkipReasonCode,
  into: T[],
  skipped: SkippedRecord[],
): void {
  if (typeof outcome === 'string') skipped.push({ record, reason: outcome });
  else into.push(outcome);
}
