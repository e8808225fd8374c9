import { EDGE_HOURS, LONG_RANGE, wholeHours } from './rollup-ranges.js';
import { matchesVariable } from './sql-filters.js';
import { indentTail } from './sql-text.js';
import {
  activityFilter,
  BROWSER_FILTER,
  cohortFilter,
  DEVICE_FILTER,
  DOMAIN_FILTER,
} from './variables.js';

/**
 * Activity panels over long ranges read visit_rollup (per UTC hour, device and domain, kept by
 * the writer in the same transaction as the visits) instead of visits.
 *
 * activitySource() is a FROM item with the columns t, device_id, domain, active_ms and visits
 * (the number of visits a row stands for): a UNION ALL of
 *   - visits themselves (t = started_at_corrected, visits = 1) when the range is under a day
 *     or a Browser is chosen (the rollup has no browser), with the usual activity filter;
 *   - the rollup's whole hours (t = hour) inside the range when it is a day or longer and
 *     Browser is on All, and then the visits of the partial hours at its two edges.
 * Which branch runs is decided by constants after Grafana's expansion ($__unixEpochFrom/To are
 * integer literals, ${browser:sqlstring} a list of literals): PostgreSQL folds the condition
 * when planning, leaves the other branch out as a one-time false filter, and prunes the rollup's
 * monthly partitions by the range's whole hours as it does visits'.
 *
 * What the rollup changes over ranges of a day or more: a visit is in the range by its RAW client
 * start (the rollup's key), not by its clock-corrected start, and buckets finer than an hour
 * hold a whole hour at its start (but for the partial edge hours). Shorter ranges, where those
 * details show, read visits as before.
 */
/**
 * True after expansion when the rollup answers: a range of a day or more and (`browser`) Browser on
 * All.
 */
export function readsRollup(browser = true): string {
  const long = LONG_RANGE.slice(1, -1);
  if (!browser) return LONG_RANGE;
  return `(${long} AND ${BROWSER_FILTER.allValue} IN (\${${BROWSER_FILTER.name}:sqlstring}))`;
}

/** Rows of the rollup (or of visits, `edges`) in range, for the chosen cohorts, devices, domains. */
function rollupFilter(edges = false): string {
  return [
    readsRollup(),
    edges ? EDGE_HOURS : wholeHours(),
    cohortFilter(),
    matchesVariable(DEVICE_FILTER),
    matchesVariable(DOMAIN_FILTER),
  ].join('\nAND ');
}

/** The activity rows in range (see above), aliased `alias`, spliced in at `spaces` columns. */
export function activitySource(spaces: number, alias = 'a'): string {
  const text = [
    '(',
    '  SELECT started_at_corrected AS t, device_id, domain, active_ms, 1::bigint AS visits',
    '  FROM visits',
    `  WHERE NOT ${readsRollup()}`,
    `    AND ${indentTail(activityFilter(), 4)}`,
    '  UNION ALL',
    '  SELECT started_at_corrected AS t, device_id, domain, active_ms, 1::bigint AS visits',
    '  FROM visits',
    `  WHERE ${indentTail(rollupFilter(true), 4)}`,
    '  UNION ALL',
    '  SELECT hour AS t, device_id, domain, active_ms, visits',
    '  FROM visit_rollup',
    `  WHERE ${indentTail(rollupFilter(), 4)}`,
    `) AS ${alias}`,
  ].join('\n');
  return indentTail(text, spaces);
}
