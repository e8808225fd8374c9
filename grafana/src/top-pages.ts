import { DAYS_END, FIRST_DAY, ROLLUP_MIN_RANGE_S } from './rollup-ranges.js';
import { matchesVariable } from './sql-filters.js';
import { indentTail, sql } from './sql-text.js';
import { activityWhere, BROWSER_FILTER, DEVICE_FILTER, DOMAIN_FILTER } from './variables.js';

/** How many pages Top pages lists. */
export const TOP_PAGES = 50;

/** How many domains (largest bound first) give Top pages its floor. */
const LEAD_DOMAINS = 3;

/**
 * True after expansion when Top pages reads visit_page_days (migration pages-device-receipts:
 * per domain, UTC day or month of the raw start and URL): a range of a day or more with Device, Browser
 * and Cohort on All (the rollup has no device); a chosen Domain filters it.
 */
export const PAGE_ROLLUP = [
  `(${ROLLUP_MIN_RANGE_S} <= $__unixEpochTo() - $__unixEpochFrom()`,
  `AND ${DEVICE_FILTER.allValue} IN (\${${DEVICE_FILTER.name}:sqlstring})`,
  `AND ${BROWSER_FILTER.allValue} IN (\${${BROWSER_FILTER.name}:sqlstring})`,
  `AND '__all' IN (\${cohort:sqlstring}))`,
].join(' ');

/** UTC month starts as timestamptz, from a timestamptz `t`, whatever the session's zone. */
const monthOf = (t: string) => `(date_trunc('month', ${t} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')`;
/**
 * The first month start at or after the first whole day, and the end of the last whole month.
 * The month is added to the day as a UTC timestamp: added to a timestamptz it follows the
 * session's zone, and across a daylight-saving change gave a month start before the day.
 */
const FIRST_MONTH = `(date_trunc('month', (${FIRST_DAY} AT TIME ZONE 'UTC') + interval '1 month' - interval '1 day') AT TIME ZONE 'UTC')`;
const MONTHS_END = monthOf(DAYS_END);
const WHOLE_MONTHS = `month >= ${FIRST_MONTH} AND month < ${MONTHS_END}`;
/**
 * Whole days outside the whole months: those before the first whole month, and those from the
 * end of the last one (from the first month start past the range's whole days when there is no
 * whole month, so none are read twice). Two ranges, so that each is an index range: one range
 * minus the months read every day of the range and dropped most (1.1 s of Top pages' 3.3 s over
 * 90 days at 10,000,000 visits).
 */
const DAYS_BEFORE_MONTHS = `day >= ${FIRST_DAY} AND day < least(${FIRST_MONTH}, ${DAYS_END})`;
const DAYS_AFTER_MONTHS = `day >= greatest(${FIRST_DAY}, ${FIRST_MONTH}, ${MONTHS_END}) AND day < ${DAYS_END}`;
/** Every month the range touches (the bound's). */
const TOUCHED_MONTHS = `month >= ${monthOf('to_timestamp($__unixEpochFrom())')} AND month < to_timestamp($__unixEpochTo())`;
const EDGE_DAYS = [
  `(started_at >= to_timestamp($__unixEpochFrom()) AND started_at < ${FIRST_DAY}`,
  ` OR started_at >= ${DAYS_END} AND started_at < to_timestamp($__unixEpochTo()))`,
].join('\n');

/** Page rows (domain, url, title, title_at, active_ms, visits) of the domains `domains`. */
function pageRows(domains: string, spaces: number): string {
  const cols = 'domain, url, title, title_at, active_ms, visits';
  const where = (range: string) => [
    `  WHERE ${PAGE_ROLLUP}`,
    `    AND ${indentTail(range, 4)}`,
    `    AND domain IN (${domains})`,
  ];
  const tables = (from: string, range: string) =>
    [`${from}_folded`, `${from}_delta`].flatMap((t) => [
      `  SELECT ${cols}`,
      `  FROM ${t}`,
      ...where(range),
      '  UNION ALL',
    ]);
  return indentTail(
    [
      '(',
      ...tables('visit_page_months', WHOLE_MONTHS),
      ...tables('visit_page_days', DAYS_BEFORE_MONTHS),
      ...tables('visit_page_days', DAYS_AFTER_MONTHS),
      `  SELECT ${cols}`,
      '  FROM e',
      `  WHERE domain IN (${domains})`,
      ') AS p',
    ].join('\n'),
    spaces,
  );
}

/**
 * Top pages: the TOP_PAGES URLs with the most active time. e: the visits read one by one (the
 * partial days at the range's edges, or the whole range when the rollup does not apply); the
 * whole months come from visit_page_months_*, the other whole days from visit_page_days_*
 * (totals and deltas, summed per URL below). A
 * URL's active time in the range is at most its domain's bound: the sum of the domain's
 * largest page of each month the range touches as last folded (visit_page_domain_months) plus
 * its month deltas not folded yet, or without the rollup its visits' sum. The pages of the
 * LEAD_DOMAINS domains with the largest bounds give a floor (their TOP_PAGES-th best); a domain
 * whose bound is below it has no page in the list, so only the others' pages are summed: the
 * same list as summing every visit of the range, from a fraction of the rows.
 */
export function topPagesSql(): string {
  return sql`
    WITH e AS MATERIALIZED (
      SELECT domain, url, title, started_at_corrected AS title_at, active_ms, 1::bigint AS visits
      FROM visits
      WHERE ${PAGE_ROLLUP}
        AND ${indentTail(EDGE_DAYS, 4)}
        AND ${matchesVariable(DOMAIN_FILTER)}
        AND url IS NOT NULL
      UNION ALL
      SELECT domain, url, title, started_at_corrected AS title_at, active_ms, 1::bigint AS visits
      FROM visits
      WHERE NOT ${PAGE_ROLLUP}
        AND ${activityWhere(4)}
        AND url IS NOT NULL
    ), bound AS MATERIALIZED (
      SELECT domain, sum(a) AS bound
      FROM (
        SELECT domain, max_active_ms AS a
        FROM visit_page_domain_months
        WHERE ${PAGE_ROLLUP}
          AND ${TOUCHED_MONTHS}
          AND ${matchesVariable(DOMAIN_FILTER)}
        UNION ALL
        SELECT domain, active_ms AS a
        FROM visit_page_months_delta
        WHERE ${PAGE_ROLLUP}
          AND ${TOUCHED_MONTHS}
          AND ${matchesVariable(DOMAIN_FILTER)}
        UNION ALL
        SELECT domain, active_ms AS a
        FROM e
        WHERE NOT ${PAGE_ROLLUP}
      ) AS b
      GROUP BY domain
    ), lead_pages AS (
      SELECT url, domain, sum(active_ms) AS active_ms
      FROM ${pageRows(`SELECT domain FROM bound ORDER BY bound DESC, domain LIMIT ${LEAD_DOMAINS}`, 2)}
      GROUP BY url, domain
    ), floor AS (
      SELECT coalesce((
        SELECT active_ms FROM lead_pages ORDER BY active_ms DESC LIMIT 1 OFFSET ${TOP_PAGES - 1}
      ), 0) AS f
    )
    SELECT url,
           domain,
           (array_agg(title ORDER BY title_at DESC)
              FILTER (WHERE title IS NOT NULL))[1] AS title,
           sum(visits)::bigint AS visits,
           sum(active_ms) AS active_ms
    FROM ${pageRows('SELECT domain FROM bound WHERE bound >= (SELECT f FROM floor)', 0)}
    GROUP BY url, domain
    ORDER BY active_ms DESC, url
    LIMIT ${TOP_PAGES}
  `;
}
