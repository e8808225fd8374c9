import { startedInRange } from './sql-filters.js';
import { indentTail } from './sql-text.js';

/** Ranges longer than this (seconds) read the rollups (activity-source.ts, rollup-sources.ts). */
export const ROLLUP_MIN_RANGE_S = 86_400;

/** True after expansion when the range is longer than a day ($__unixEpoch* are literals). */
export const LONG_RANGE = `($__unixEpochTo() - $__unixEpochFrom() > ${ROLLUP_MIN_RANGE_S})`;

/** First UTC midnight at or after the range start, and the midnight after its last whole day. */
const FIRST_DAY = 'to_timestamp(ceil($__unixEpochFrom() / 86400.0) * 86400)';
const DAYS_END = 'to_timestamp(floor(($__unixEpochTo() - 82800) / 86400.0) * 86400 + 86400)';

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
 * Per-domain rows (domain, active_ms, visits) of the hours starting in the range, when `when`:
 * the whole UTC days from visit_domain_days and the hours of the partial days at the two edges
 * from visit_rollup (its hour index; at most two days of it). `also`: more conditions.
 */
export function domainDayBranches(when: string, also = ''): Array<[string, string]> {
  return [
    [
      'SELECT domain, active_ms, visits\nFROM visit_domain_days',
      `${when}\nAND day >= ${FIRST_DAY} AND day < ${DAYS_END}${also}`,
    ],
    [
      'SELECT domain, active_ms, visits\nFROM visit_rollup',
      `${when}\nAND $__timeFilter(hour)\nAND (hour < ${FIRST_DAY} OR hour >= ${DAYS_END})${also}`,
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
