import type { PoolClient } from './pool.js';

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
export async function summaryDaysPartitions(client: PoolClient): Promise<Set<string>> {
  const r = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'visit_rollup_days'`,
  );
  return new Set(r.rows.map((row) => row.name));
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
  const name = summaryDaysPartitionName(visitsPartition);
  if (existing.has(name)) return;
  await client.query(
    `CREATE TABLE ${name} (LIKE visit_rollup_days INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
  );
  await client.query(
    `WITH m AS (DELETE FROM visit_rollup_days_default WHERE day >= $1 AND day < $2 RETURNING *)
     INSERT INTO ${name} SELECT * FROM m`,
    [isoDay(from), isoDay(to)],
  );
  await client.query(
    `ALTER TABLE visit_rollup_days ATTACH PARTITION ${name} FOR VALUES FROM ('${isoDay(from)}') TO ('${isoDay(to)}')`,
  );
  existing.add(name);
}

/** Drops the days' month along with visits' month `visitsPartition` (retention). */
export async function dropSummaryDaysPartition(
  client: PoolClient,
  visitsPartition: string,
): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${summaryDaysPartitionName(visitsPartition)}`);
}
