/**
 * Local calendar days as 'YYYY-MM-DD'. The time zone comes in as a function so
 * that tests are deterministic and a zone change (travel, DST) is applied per
 * instant, as the browser would.
 */

export type DayOf = (ms: number) => string;

const DAY_MS = 86_400_000;

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * @param timezoneOffsetMinutes same sign as Date.prototype.getTimezoneOffset:
 *   minutes to ADD to local time to get UTC (UTC+2 gives -120).
 */
export function makeDayOf(timezoneOffsetMinutes: (ms: number) => number): DayOf {
  return (ms) => utcDay(ms - timezoneOffsetMinutes(ms) * 60_000);
}

/** The browser's own zone: what the background passes to recordFinishedVisits. */
export const localDayOf: DayOf = makeDayOf((ms) => new Date(ms).getTimezoneOffset());

/** Calendar arithmetic on 'YYYY-MM-DD', independent of any zone. */
export function addDays(day: string, days: number): string {
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new RangeError(`not a YYYY-MM-DD day: ${day}`);
  return utcDay(ms + days * DAY_MS);
}
