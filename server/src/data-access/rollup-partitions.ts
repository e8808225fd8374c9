import type { PoolClient } from './pool.js';

/**
 * The monthly partitions of visit_rollup, kept in step with those of visits: the rollup counts
 * a visit in the UTC hour of its raw started_at, visits' partition key, so the rollup's month
 * holds exactly the counts of visits' month of the same name, and the two are dropped together.
 */
export function rollupPartitionName(visitsPartition: string): string {
  return visitsPartition.replace(/^visits_/, 'visit_rollup_');
}

/** The names of visit_rollup's partitions. */
export async function rollupPartitions(client: PoolClient): Promise<Set<string>> {
  const r = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'visit_rollup'`,
  );
  return new Set(r.rows.map((row) => row.name));
}

/**
 * Creates the rollup's partition for [from, to) unless `existing` has it, moving the rows the
 * default partition holds for that range into it first (as for visits).
 */
export async function ensureRollupPartition(
  client: PoolClient,
  existing: Set<string>,
  visitsPartition: string,
  from: Date,
  to: Date,
): Promise<void> {
  const name = rollupPartitionName(visitsPartition);
  if (existing.has(name)) return;
  await client.query(
    `CREATE TABLE ${name} (LIKE visit_rollup INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
  );
  await client.query(
    `WITH m AS (DELETE FROM visit_rollup_default WHERE hour >= $1 AND hour < $2 RETURNING *)
     INSERT INTO ${name} SELECT * FROM m`,
    [from, to],
  );
  await client.query(
    `ALTER TABLE visit_rollup ATTACH PARTITION ${name} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
  );
  existing.add(name);
}

/** Drops the rollup's month along with visits' month `visitsPartition` (retention). */
export async function dropRollupPartition(
  client: PoolClient,
  visitsPartition: string,
): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${rollupPartitionName(visitsPartition)}`);
}

/**
 * Deletes rows of one partition of visits (`table`: the statement names the partition, so the
 * rollup's trigger on visits does not fire) and takes them out of the rollup in the same
 * transaction; resolves with the rows deleted. `where` uses $1.. of `values`.
 */
export async function deleteVisitsAndSubtract(
  client: PoolClient,
  table: string,
  where: string,
  values: unknown[],
): Promise<number> {
  const r = await client.query<{ deleted: string; first: Date | null; last: Date | null }>(
    `WITH d AS (DELETE FROM ${table} WHERE ${where}
                RETURNING started_at, device_id, domain, active_ms),
          g AS (SELECT date_trunc('hour', started_at, 'UTC') AS hour, device_id, domain,
                       sum(active_ms)::bigint AS active_ms, count(*) AS visits
                  FROM d GROUP BY 1, 2, 3),
          u AS (UPDATE visit_rollup r
                   SET active_ms = r.active_ms - g.active_ms, visits = r.visits - g.visits
                  FROM g
                 WHERE r.device_id = g.device_id AND r.hour = g.hour AND r.domain = g.domain
                RETURNING 1)
     SELECT count(*) AS deleted, min(started_at) AS first, max(started_at) AS last,
            (SELECT count(*) FROM u) AS updated
       FROM d`,
    values,
  );
  const row = r.rows[0];
  const deleted = Number(row?.deleted ?? 0);
  // The rows the update emptied (it cannot delete them in the same statement), within the
  // hours it touched, so only those partitions are read.
  if (deleted > 0 && row?.first && row.last) {
    await client.query(
      `DELETE FROM visit_rollup
        WHERE visits <= 0 AND hour >= date_trunc('hour', $1::timestamptz, 'UTC') AND hour <= $2`,
      [row.first, row.last],
    );
  }
  return deleted;
}
