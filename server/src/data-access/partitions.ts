import type { Pool } from './pool.js';
import { withTransaction } from './pool.js';

/** Advisory lock key so that only one process at a time maintains partitions. */
const MAINTENANCE_LOCK = 0x7472_6b73; // "trks"

function monthStart(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

function addMonths(d: Date, n: number): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
}

export function partitionName(month: Date): string {
  const y = month.getUTCFullYear();
  const m = String(month.getUTCMonth() + 1).padStart(2, '0');
  return `visits_${y}_${m}`;
}

export interface MaintenanceResult {
  created: string[];
  dropped: string[];
  deletedFromDefault: number;
}

/**
 * Creates monthly partitions from `monthsBack` before now to `monthsAhead`
 * after, moving any rows the default partition holds for a new month into it
 * (PostgreSQL refuses to create a partition whose range the default already
 * holds rows for); then drops whole partitions that ended before the retention
 * cutoff and deletes default-partition rows older than it.
 */
export async function maintainPartitions(
  pool: Pool,
  opts: { now: Date; monthsAhead: number; monthsBack: number; retentionDays: number },
): Promise<MaintenanceResult> {
  return withTransaction(pool, async (client) => {
    const result: MaintenanceResult = { created: [], dropped: [], deletedFromDefault: 0 };
    const locked = await client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_xact_lock($1) AS ok',
      [MAINTENANCE_LOCK],
    );
    if (locked.rows[0]?.ok !== true) return result;

    const existing = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = 'visits'`,
    );
    const names = new Set(existing.rows.map((r) => r.name));
    const cutoff = new Date(opts.now.getTime() - opts.retentionDays * 86_400_000);
    const first = monthStart(opts.now);

    for (let i = -opts.monthsBack; i <= opts.monthsAhead; i++) {
      const from = addMonths(first, i);
      const to = addMonths(first, i + 1);
      const name = partitionName(from);
      if (names.has(name) || to <= cutoff) continue;
      await client.query(
        `CREATE TABLE ${name} (LIKE visits INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
      );
      const moved = await client.query(
        `WITH m AS (DELETE FROM visits_default WHERE started_at >= $1 AND started_at < $2 RETURNING *)
         INSERT INTO ${name} SELECT * FROM m`,
        [from, to],
      );
      void moved;
      await client.query(
        `ALTER TABLE visits ATTACH PARTITION ${name} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
      );
      result.created.push(name);
    }

    for (const name of names) {
      const m = /^visits_(\d{4})_(\d{2})$/.exec(name);
      if (m === null) continue;
      const end = addMonths(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)), 1);
      if (end <= cutoff) {
        await client.query(`DROP TABLE ${name}`);
        result.dropped.push(name);
      }
    }
    const del = await client.query('DELETE FROM visits_default WHERE started_at < $1', [cutoff]);
    result.deletedFromDefault = del.rowCount ?? 0;
    return result;
  });
}
