import { startedInRange } from './sql-filters.js';
import { indentTail } from './sql-text.js';

/** Ranges of this (seconds) or longer read the rollups (activity-source.ts, rollup-sources.ts). */
export const ROLLUP_MIN_RANGE_S = 86_400;

/** True after expansion when the range is a day or longer ($__unixEpoch* are literals). */
export const LONG_RANGE = `($__unixEpochTo() - $__unixEpochFrom() >= ${ROLLUP_MIN_RANGE_S})`;

/** First UTC hour start at or after the range start, and the end of its last whole hour. */
const HOURS_FROM = 'to_timestamp(ceil($__unixEpochFrom() / 3600.0) * 3600)';
const HOURS_END = 'to_timestamp(floor($__unixEpochTo() / 3600.0) * 3600)';

/** First UTC midnight at or after the range start, and the end of its last whole day. */
export const FIRST_DAY = 'to_timestamp(ceil($__unixEpochFrom() / 86400.0) * 86400)';
export const DAYS_END = 'to_timestamp(floor($__unixEpochTo() / 86400.0) * 86400)';

/**
 * Hourly rollup rows (`column`: their hour) of the whole UTC hours inside the range. The
 * partial hours at its two edges come from visits (EDGE_HOURS): together they hold each visit
 * whose raw start lies in the range once, the rollups' key being the hour of the raw start.
 */
export function wholeHours(column = 'hour'): string {
  return `${column} >= ${HOURS_FROM} AND ${column} < ${HOURS_END}`;
}

/**
 * Visits whose `column` (the raw start, or the receive time) lies in the range's partial hours
 * (before its first whole hour, or from the end of its last one up to its end): at most two
 * hours of visits, by the column's index; none when the range starts and ends on the hour.
 */
export function edgeHours(column: string): string {
  return [
    `(${column} >= to_timestamp($__unixEpochFrom()) AND ${column} < ${HOURS_FROM}`,
    ` OR ${column} >= ${HOURS_END} AND ${column} < to_timestamp($__unixEpochTo()))`,
  ].join('\n');
}

/** edgeHours of the raw start, the key of the rollups by start. */
export const EDGE_HOURS = edgeHours('started_at');

/** A FROM item: the UNION ALL of `branches` (SELECT, WHERE), aliased, spliced at `spaces`. */
export function union(branches: Array<[string, string]>, alias: string, spaces: number): string {
  const text = [
    '(',
    branches
      .map(([select, where]) => `  ${indentTail(select, 2)}\n  WHERE ${indentTail(where, 4)}`)
      .join('\n  UNION ALL\n'),
    `) AS ${alias}`,
  ].join('\n');
  return indentTail(text, spaces);
}

/**
 * Per-domain rows (domain, active_ms, visits) of the visits whose raw start lies in the range,
 * when `when`: the whole UTC days from visit_domain_days, the whole hours of the partial days at
 * the two edges from visit_rollup (its hour index; at most two days of it), and the partial
 * hours from visits. `also`: more conditions.
 */
export function domainDayBranches(when: string, also = ''): Array<[string, string]> {
  return [
    [
      'SELECT domain, active_ms, visits\nFROM visit_domain_days',
      `${when}\nAND day >= ${FIRST_DAY} AND day < ${DAYS_END}${also}`,
    ],
    [
      'SELECT domain, active_ms, visits\nFROM visit_rollup',
      `${when}\nAND ${wholeHours()}\nAND (hour < ${FIRST_DAY} OR hour >= ${DAYS_END})${also}`,
    ],
    [
      'SELECT domain, active_ms, 1::bigint AS visits\nFROM visits',
      `${when}\nAND ${EDGE_HOURS}${also}`,
    ],
  ];
}

/** Every device's per-domain rows in the range (the Domain variable's choices). */
export function domainsOfRange(spaces: number, alias = 'a'): string {
  return union(
    [
      ...domainDayBranches(LONG_RANGE),
      [
        'SELECT domain, active_ms, 1::bigint AS visits\nFROM visits',
        `NOT ${LONG_RANGE}\nAND ${startedInRange()}`,
      ],
    ],
    alias,
    spaces,
  );
}
