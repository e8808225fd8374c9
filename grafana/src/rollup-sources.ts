import { activitySource } from './activity-source.js';
import { domainDayBranches, EDGE_HOURS, LONG_RANGE, union, wholeHours } from './rollup-ranges.js';
import type { FilterVariable } from './sql-filters.js';
import { matchesVariable } from './sql-filters.js';
import {
  activityFilter,
  BROWSER_FILTER,
  cohortFilter,
  DEVICE_FILTER,
  DOMAIN_FILTER,
} from './variables.js';

/**
 * The smallest source that answers each kind of panel over ranges of a day or more (the
 * rollups of migration dashboard-rollups, kept by the writer in the visits' own statement):
 *   - deviceSource: visit_device_hours (hour, device, parsed User-Agent), for totals, series by
 *     time, device counts and the Audience shares, while Domain is on All;
 *   - domainSource: visit_domain_days for the range's whole UTC days plus visit_rollup's hours
 *     at its two edges, for per-domain totals, while Device, Cohort and Browser are on All;
 *   - domainSeries: visit_domain_hours, the hours of a few chosen domains;
 *   - sessionSource: visit_sessions, one row per session, while Domain and Browser are on All.
 * Otherwise each falls back to what answered before (activitySource: visit_rollup or visits).
 * Like activitySource, the branch is picked by constants after Grafana's expansion, which
 * PostgreSQL folds when planning; the rollups count a visit in the hour (day) of its RAW client
 * start, as visit_rollup does: their whole hours (days) inside the range, and visits the partial
 * hours at its edges (wholeHours, EDGE_HOURS).
 */

/** The variable `v` is on All (after expansion, a constant). */
function onAll(v: FilterVariable): string {
  return `${v.allValue} IN (\${${v.name}:sqlstring})`;
}

const COHORT_ALL = `'__all' IN (\${cohort:sqlstring})`;

const LONG = LONG_RANGE;

const VISITS_UA = [
  'SELECT started_at_corrected AS t, device_id, browser_name,',
  "       split_part(browser_version, '.', 1) AS browser_major, os_name, device_type,",
  '       active_ms, 1::bigint AS visits',
  'FROM visits',
].join('\n');

const HOURS_UA = [
  'SELECT hour AS t, device_id, browser_name, browser_major, os_name, device_type,',
  '       active_ms, visits',
  'FROM visit_device_hours',
].join('\n');

/** Device hours (visits: `edges`) in range, for the chosen cohorts, devices and browsers. */
function deviceHoursFilter(edges = false): string {
  return [
    edges ? EDGE_HOURS : wholeHours(),
    cohortFilter(),
    matchesVariable(DEVICE_FILTER),
    matchesVariable(BROWSER_FILTER),
  ].join('\nAND ');
}

/**
 * Rows with t, device_id, browser_name, browser_major, os_name, device_type, active_ms and
 * visits (how many visits a row stands for): visit_device_hours over a long range with Domain
 * on All, else visits.
 */
export function deviceSource(spaces: number, alias = 'a'): string {
  const hours = `${LONG} AND ${onAll(DOMAIN_FILTER)}`;
  return union(
    [
      [VISITS_UA, `NOT (${hours})\nAND ${activityFilter()}`],
      [VISITS_UA, `${hours}\nAND ${deviceHoursFilter(true)}`],
      [HOURS_UA, `${hours}\nAND ${deviceHoursFilter()}`],
    ],
    alias,
    spaces,
  );
}

/**
 * Rows with t, device_id, active_ms and visits: deviceSource's, but with a Domain chosen over a
 * long range (and Browser on All) activitySource's rollup answers instead of visits.
 */
export function deviceActivitySource(spaces: number, alias = 'a'): string {
  const hours = `${LONG} AND ${onAll(DOMAIN_FILTER)}`;
  return union(
    [
      [`SELECT t, device_id, active_ms, visits\nFROM ${activitySource(0, 'r')}`, `NOT (${hours})`],
      [
        'SELECT started_at_corrected AS t, device_id, active_ms, 1::bigint AS visits\nFROM visits',
        `${hours}\nAND ${deviceHoursFilter(true)}`,
      ],
      [
        'SELECT hour AS t, device_id, active_ms, visits\nFROM visit_device_hours',
        `${hours}\nAND ${deviceHoursFilter()}`,
      ],
    ],
    alias,
    spaces,
  );
}

/**
 * Per-domain rows (domain, active_ms, visits) of the hours starting in the range: the whole
 * days and edge hours of domainDayBranches while Device, Cohort and Browser are on All, else
 * activitySource's.
 */
export function domainSource(spaces: number, alias = 'a'): string {
  const days = `${LONG} AND ${onAll(DEVICE_FILTER)} AND ${COHORT_ALL} AND ${onAll(BROWSER_FILTER)}`;
  return union(
    [
      ...domainDayBranches(days, `\nAND ${matchesVariable(DOMAIN_FILTER)}`),
      [`SELECT domain, active_ms, visits\nFROM ${activitySource(0, 'r')}`, `NOT (${days})`],
    ],
    alias,
    spaces,
  );
}

/**
 * Rows (t, domain, active_ms) of the domains in `topDomains` (a query of one column):
 * visit_domain_hours by its key over a long range with Device, Cohort and Browser on All, else
 * activitySource's.
 */
export function domainSeries(spaces: number, topDomains: string, alias = 'a'): string {
  const hours = `${LONG} AND ${onAll(DEVICE_FILTER)} AND ${COHORT_ALL} AND ${onAll(BROWSER_FILTER)}`;
  // An array (one InitPlan) rather than IN (subquery): a semi-join stays above the view's
  // GROUP BY, which then sums every domain's hours of the range (1.7 s over 90 days at 1M
  // visits); a plain condition goes into it and reads the chosen domains by its (domain, hour) key.
  const chosen = `domain = ANY (ARRAY(${topDomains}))`;
  return union(
    [
      [
        'SELECT hour AS t, domain, active_ms\nFROM visit_domain_hours',
        `${hours}\nAND ${wholeHours()}\nAND ${chosen}`,
      ],
      [
        'SELECT started_at_corrected AS t, domain, active_ms\nFROM visits',
        `${hours}\nAND ${EDGE_HOURS}\nAND ${chosen}`,
      ],
      [
        `SELECT t, domain, active_ms\nFROM ${activitySource(0, 'r')}`,
        `NOT (${hours})\nAND domain IN (${topDomains})`,
      ],
    ],
    alias,
    spaces,
  );
}
