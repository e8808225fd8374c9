/**
 * The WHERE fragments every panel shares: the time range and the template variables.
 *
 * Time range. visits is partitioned by month on the RAW client started_at (it is in the primary
 * key, so it must be the value the client sent), and its indexes lead with or end in started_at.
 * What a person wants to see, though, is when a visit happened: started_at_corrected, the client
 * time shifted by the clock skew measured at ingest. Filtering only on the corrected column would
 * scan every partition; filtering only with $__timeFilter(started_at) would put a device whose
 * clock is off into the wrong hours and drop its visits at the range edges. So each query filters
 * twice:
 *   - on started_at, widened by SKEW_TOLERANCE_S on both sides: this hits the partition key and
 *     the indexes, and because to_timestamp(double) is immutable and $__unixEpochFrom() expands to
 *     an integer literal, PostgreSQL prunes partitions at plan time;
 *   - exactly, with $__timeFilter(started_at_corrected), the column the panels also bucket by.
 * A visit whose device clock is off by more than the tolerance is missed by activity panels;
 * Pipeline health counts those visits so that it is visible when it happens.
 *
 * Grafana's macro engine matches \$name\(([^)]*)\): a macro argument cannot contain ')', so
 * computed columns are made in a subquery and only plain column names go into macros.
 */

/** How far (seconds) a device clock may be off and its visits still show on activity panels. */
export const SKEW_TOLERANCE_S = 86_400;

/**
 * Pipeline panels filter on received_at (no index); the raw started_at bound keeps partition
 * pruning. Events whose raw start is more than this before (or after) the range, e.g. from a
 * device that was offline for longer, are not counted there.
 */
export const LATE_ARRIVAL_WINDOW_S = 7 * 86_400;

/** Raw started_at within the dashboard range widened by `marginS`: partition key + index. */
export function rawStartedWithin(marginS: number): string {
  return `started_at BETWEEN to_timestamp($__unixEpochFrom() - ${marginS}) AND to_timestamp($__unixEpochTo() + ${marginS})`;
}

/** Visits that started (device clock corrected) inside the dashboard range. */
export function startedInRange(): string {
  return `${rawStartedWithin(SKEW_TOLERANCE_S)}\nAND $__timeFilter(started_at_corrected)`;
}

/** Visits the server received inside the dashboard range (Pipeline health). */
export function receivedInRange(): string {
  return `${rawStartedWithin(LATE_ARRIVAL_WINDOW_S)}\nAND $__timeFilter(received_at)`;
}

/** A multi-value template variable with an "All" option that filters one visits column. */
export interface FilterVariable {
  name: string;
  column: string;
  /**
   * The custom All value, a complete SQL literal. Grafana inserts a custom All value as is, with
   * no formatting (not even for ${var:sqlstring}), so it carries its own quotes. It must be a
   * valid value of the column's type: for the uuid column it is the nil UUID, which no client
   * generates; '__all' would fail the uuid cast when the query is parsed.
   */
  allValue: string;
}

/**
 * `column` is one of the selected values, or anything when All is selected.
 *
 * ${var:sqlstring} quotes each value and doubles single quotes whether Grafana hands over one
 * value or a list (the datasource's default formatting leaves a single string unquoted). With
 * All selected this becomes `('__all' IN ('__all') OR column IN ('__all'))`, which PostgreSQL
 * folds to true when planning: no filter, no huge IN list of every known value. With values
 * selected the first half folds to false and `column IN (...)` remains, usable by the indexes.
 * (sqlstring turns " into \", which PostgreSQL would keep literally; domains, browser names and
 * uuids never contain ".)
 */
export function matchesVariable(v: FilterVariable): string {
  const values = `\${${v.name}:sqlstring}`;
  return `(${v.allValue} IN (${values}) OR ${v.column} IN (${values}))`;
}
