import type { Pool } from './pool.js';

/** 'YYYY-MM-DD', the UTC day of `at` (as the quotas count days). */
function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Adds to device_pipeline_days (migration device-pipeline-days): `column` of each device's row of
 * the UTC day of `at`, for the admin's Devices dashboard. Devices that no longer exist (erased
 * meanwhile) and keys that are not device ids (an undecodable message's) are skipped.
 */
async function addCounts(
  pool: Pool,
  column: 'rejected' | 'dead_lettered',
  counts: ReadonlyMap<string, number>,
  at: Date,
): Promise<void> {
  const ids = [...counts.keys()].filter((id) => UUID_RE.test(id));
  if (ids.length === 0) return;
  await pool.query(
    `INSERT INTO device_pipeline_days (device_id, day, ${column})
     SELECT d.id, $1::date, c.n
     FROM unnest($2::uuid[], $3::bigint[]) AS c (id, n)
     JOIN devices d ON d.id = c.id
     ON CONFLICT (device_id, day)
       DO UPDATE SET ${column} = device_pipeline_days.${column} + EXCLUDED.${column}`,
    [utcDay(at), ids, ids.map((id) => counts.get(id) ?? 0)],
  );
}

/** The API: `count` events of `deviceId` rejected at `at`. */
export function addRejected(pool: Pool, deviceId: string, count: number, at: Date): Promise<void> {
  return addCounts(pool, 'rejected', new Map([[deviceId, count]]), at);
}

/** The consumer: records dead-lettered at `at`, by their message key (the device id). */
export function addDeadLettered(
  pool: Pool,
  keys: ReadonlyArray<string | null>,
  at: Date,
): Promise<void> {
  const counts = new Map<string, number>();
  for (const key of keys) if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
  return addCounts(pool, 'dead_lettered', counts, at);
}
