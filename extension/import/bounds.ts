/**
 * What an import takes for real history: a file may be edited, damaged or written to harm, and
 * what it adds to the daily totals cannot be taken back by a corrected file (a day only grows,
 * db/import-history.ts). A record outside these bounds is left out with its reason; the rest of
 * the file is imported.
 */
import type { SkipReasonCode } from './types.js';

const DAY_MS = 86_400_000;

export const IMPORT_BOUNDS = {
  /** No tracker that can be imported existed before; earlier dates are a clock or an edit. */
  earliestDay: '2000-01-01',
  /** Dates up to a day after now (a zone ahead of this browser's, a clock a little fast). */
  aheadMs: DAY_MS,
  /** A site's active time on one day, and a visit's span from start to end. */
  maxDayMs: DAY_MS,
  /** A site opened once a second all day long. */
  maxDayVisits: 86_400,
} as const;

const EARLIEST_MS = Date.parse(`${IMPORT_BOUNDS.earliestDay}T00:00:00Z`);

/** The last day (YYYY-MM-DD) an import takes at `nowMs`. */
function latestDay(nowMs: number): string {
  return new Date(nowMs + IMPORT_BOUNDS.aheadMs).toISOString().slice(0, 10);
}

/** Why a day's figures (an existing ISO day, ms, a count) are out of bounds, or null. */
export function dayFiguresProblem(
  day: string,
  activeMs: number,
  visits: number,
  nowMs: number,
): SkipReasonCode | null {
  if (day < IMPORT_BOUNDS.earliestDay || day > latestDay(nowMs)) return 'bad_date';
  if (activeMs > IMPORT_BOUNDS.maxDayMs || visits > IMPORT_BOUNDS.maxDayVisits) return 'bad_time';
  return null;
}

/** Why a visit's times (ms since the epoch, finite or not) are out of bounds, or null. */
export function visitTimesProblem(
  v: { startedMs: number; endedMs: number; activeMs: number },
  nowMs: number,
): SkipReasonCode | null {
  if (!(v.startedMs >= EARLIEST_MS && v.startedMs <= nowMs + IMPORT_BOUNDS.aheadMs)) {
    return 'bad_date';
  }
  const span = v.endedMs - v.startedMs;
  if (!(span >= 0 && span <= IMPORT_BOUNDS.maxDayMs)) return 'bad_time';
  if (!(Number.isInteger(v.activeMs) && v.activeMs >= 0 && v.activeMs <= span)) return 'bad_time';
  return null;
}
