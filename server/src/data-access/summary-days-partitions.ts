import type { PoolClient } from './pool.js';
import { ensureRangePartition, partitionsOf } from './rollup-partitions.js';

/**
 * The monthly partitions of visit_rollup_days (migration 1796620000000), kept in step with those
 * of visits and visit_rollup: a day row counts the visits of the UTC day of their raw start, so
 * its month holds exactly the counts of visits' month of the same name, and the two are made
 * and dropped together. Statements on one partition fire none of the triggers that keep the
 * days from visit_rollup: moving rows out of the default partition and dropping a month are
 * done here, to the days, as partition maintenance does them to the hours.
 */
export function summaryDaysPartitionName(visitsPartition: string): string {
  return visitsPartition.replace(/^visits_/, 'visit_rollup_days_');
}

/** The names of visit_rollup_days' partitions. */
export function summaryDaysPartitions(client: PoolClient): Promise<Set<string>> {
  return partitionsOf(client, 'visit_rollup_days');
}

const isoDay = (at: Date): string => at.toISOString().slice(0, 10);

/**
 * Creates the days' partition for the UTC days of [from, to) unless `existing` has it, moving
 * the rows the default partition holds for those days into it first.
 */
export async function ensureSummaryDaysPartition(
  client: PoolClient,
  existing: Set<string>,
  visitsPartition: string,
  from: Date,
  to: Date,
): Promise<void> {
  await ensureRangePartition(
    client,
    existing,
    'visit_rollup_days',
    'day',
    summaryDaysPartitionName(visitsPartition),
    isoDay(from),
    isoDay(to),
  );
}

/**
 * Drops the days' month along with visits' month `visitsPartition` (retention), first recording
 * its days in the summary's change log (migration summary-changes) in the same transaction: an
 * incremental summary then tells the extension those days are gone.
 */
export async function dropSummaryDaysPartition(
  client: PoolClient,
  visitsPartition: string,
): Promise<void> {
  const name = summaryDaysPartitionName(visitsPartition);
  const exists = await client.query<{ oid: string | null }>('SELECT to_regclass($1) AS oid', [
    name,
  ]);
  if (exists.rows[0]?.oid != null) {
    await client.query(
      `INSERT INTO summary_changes AS c (device_id, day, xid)
       SELECT DISTINCT device_id, day, pg_current_xact_id() FROM ${name} ORDER BY 1, 2
       ON CONFLICT (device_id, day) DO UPDATE SET xid = EXCLUDED.xid`,
    );
  }
  await client.query(`DROP TABLE IF EXISTS ${name}`);
}
