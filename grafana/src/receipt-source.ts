import { edgeHours, LONG_RANGE, union, wholeHours } from './rollup-ranges.js';
import { LATE_ARRIVAL_WINDOW_S, rawStartedWithin, receivedInRange } from './sql-filters.js';
import { sql } from './sql-text.js';
import { cohortFilter } from './variables.js';

/**
 * Pipeline health's series by receive time. Over ranges of a day or more with Grafana's buckets
 * an hour or longer and Cohort on All (constants after expansion, folded when PostgreSQL plans)
 * the whole UTC hours come from visit_receipt_hours (migration receipt-hours: per hour of
 * receipt, a histogram of each measure over fixed log buckets) and the partial hours at the
 * range's edges from visits by the received_at index (and the raw-start bound that prunes
 * partitions); otherwise every visit received in the range, as before, bucketed alike.
 */
export const RECEIPT_ROLLUP = `($__interval_ms >= 3600000 AND ${LONG_RANGE} AND '__all' IN (\${cohort:sqlstring}))`;

/** The measures visit_receipt_hours keeps (its kind column), in milliseconds from a visit. */
export const RECEIPT_MEASURES = {
  ingest: { kind: 1, ms: 'extract(epoch FROM received_at - ended_at_corrected)::float8 * 1000' },
  consumer: { kind: 2, ms: 'extract(epoch FROM written_at - received_at)::float8 * 1000' },
  skew: { kind: 3, ms: 'clock_skew_ms::float8' },
} as const;

type Measure = keyof typeof RECEIPT_MEASURES;

/** How the panels say the figures are bucketed (receipt_bucket, receipt_bucket_seconds). */
export const BUCKETED =
  ' Read from a histogram of log buckets an eighth of an octave wide: each figure is its ' +
  "bucket's middle, within 4.5 % of the exact value (under 1 ms: 0).";

/** What the rollup counts that the visits path does not (receivedInRange's raw-start bound). */
export const LATE_EVENTS =
  ' Events whose device start time lies more than 7 days outside the range count only in ' +
  'the whole hours read from hourly counts (ranges of a day or more, buckets of an hour or ' +
  'more, Cohort on All).';

/**
 * Rows (t, bucket, n): n visits received at t in log bucket `bucket` of `measure` (null: no
 * bucket, for counting), of the range and the chosen cohorts, spliced at `spaces`.
 */
export function receiptBuckets(measure: Measure | null, spaces: number): string {
  const m = measure === null ? null : RECEIPT_MEASURES[measure];
  const bucket = m === null ? '0' : `receipt_bucket(${m.ms})`;
  const visits = `SELECT received_at AS t, ${bucket} AS bucket, 1::bigint AS n\nFROM visits`;
  return union(
    [
      [
        'SELECT hour AS t, bucket, visits AS n\nFROM visit_receipt_hours',
        `${RECEIPT_ROLLUP}\nAND kind = ${m?.kind ?? 1}\nAND ${wholeHours()}`,
      ],
      [
        visits,
        `${RECEIPT_ROLLUP}\nAND ${rawStartedWithin(LATE_ARRIVAL_WINDOW_S)}\nAND ${edgeHours('received_at')}`,
      ],
      [visits, `NOT ${RECEIPT_ROLLUP}\nAND ${receivedInRange()}\nAND ${cohortFilter()}`],
    ],
    'r',
    spaces,
  );
}

/** The `p` quantile's bucket (percentile_disc: the first at or above it), in seconds. */
export function quantile(p: number): string {
  return `receipt_bucket_seconds(min(bucket) FILTER (WHERE cum >= ${p} * total))`;
}

/**
 * Per Grafana bucket, `figures` (name, expression over bucket, cum and total) of `measure`:
 * the histogram's counts summed per time and bucket, then cumulated in bucket order.
 */
export function receiptFigures(measure: Measure, figures: Array<[string, string]>): string {
  const select = figures.map(([name, e]) => `${e} AS ${name}`).join(',\n       ');
  return sql`
    SELECT "time",
           ${select}
    FROM (
      SELECT "time", bucket,
             sum(n) OVER (PARTITION BY "time" ORDER BY bucket) AS cum,
             sum(n) OVER (PARTITION BY "time") AS total
      FROM (
        SELECT $__timeGroupAlias(t, $__interval), bucket, sum(n) AS n
        FROM ${receiptBuckets(measure, 4)}
        GROUP BY 1, 2
        HAVING sum(n) > 0
      ) AS g
    ) AS c
    GROUP BY "time"
    ORDER BY "time"
  `;
}
