/**
 * The open visits as rollup rows. The local database holds finished visits
 * only, and a page left open for an hour is an hour the person spent: every
 * figure of today adds the open visits the background reports (getStatus).
 */
import { type DailyRollup, type DayOf, type DayRange, localDayOf } from '../db/index.js';
import type { OpenVisitFigure } from '../messaging/protocol.js';

/**
 * Each open visit as the row it will add to once it is recorded: the local day it started
 * on, its hostname, its active time so far, one visit.
 */
export function openVisitRows(
  open: readonly OpenVisitFigure[],
  dayOf: DayOf = localDayOf,
): DailyRollup[] {
  return open.map((visit) => ({
    day: dayOf(visit.startedAt),
    domain: visit.domain,
    activeMs: visit.activeMs,
    visits: 1,
  }));
}

/** The recorded rows plus the open visits of the days in `range`. */
export function withOpenVisits(
  rows: readonly DailyRollup[],
  open: readonly OpenVisitFigure[],
  range: DayRange,
  dayOf: DayOf = localDayOf,
): DailyRollup[] {
  const current = openVisitRows(open, dayOf).filter(
    (row) => row.day >= range.from && row.day <= range.to,
  );
  return [...rows, ...current];
}
