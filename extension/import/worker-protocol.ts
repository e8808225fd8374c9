/** Messages between the options page and the import worker (import-worker.ts). */
import type { RecordingSettings } from '../privacy/index.js';
import type { ImportErrorCode, ImportSource, SkippedRecord, SkipReasonCode } from './types.js';

/** How many skipped records the page lists; the rest are counted by reason. */
export const LISTED_SKIPS = 50;

export interface ImportRequest {
  file: Blob;
  recording: RecordingSettings;
  keepVisitsFromMs: number;
}

export interface ImportSummary {
  source: ImportSource;
  imported: number;
  skipped: number;
  /** The first LISTED_SKIPS skipped records. */
  firstSkipped: SkippedRecord[];
  skippedByReason: Partial<Record<SkipReasonCode, number>>;
}

export type ImportReply =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; summary: ImportSummary }
  /** After 'done': the long ranges' sums and windows are built (prepareLongRanges), or failed to. */
  | { type: 'prepared' }
  /** code 'write_failed': the database refused the write; nothing was stored. */
  | { type: 'failed'; code: ImportErrorCode | 'write_failed'; message: string };

export function summarize(outcome: {
  source: ImportSource;
  imported: number;
  skipped: SkippedRecord[];
}): ImportSummary {
  const skippedByReason: Partial<Record<SkipReasonCode, number>> = {};
  for (const s of outcome.skipped) skippedByReason[s.reason] = (skippedByReason[s.reason] ?? 0) + 1;
  return {
    source: outcome.source,
    imported: outcome.imported,
    skipped: outcome.skipped.length,
    firstSkipped: outcome.skipped.slice(0, LISTED_SKIPS),
    skippedByReason,
  };
}
