import type { Pool } from './pool.js';

/** Which of one device's visits to delete; at least one field (the domain layer checks). */
export interface VisitEraseFilter {
  /** This host and every host under it (a registrable domain: the whole site). */
  domain?: string;
  /** ISO instants bounding started_at: from inclusive, to exclusive. */
  from?: string;
  to?: string;
}

/**
 * Deletes the device's visits that match every given filter, in one statement; resolves
 * with how many went. Only the conditions given are written into the SQL, so a time range
 * compares started_at (the partition key) with constants and PostgreSQL opens only the
 * monthly partitions that range covers. The domain test needs no LIKE (and so no escaping):
 * the host itself, or a host ending in "." followed by it.
 */
export async function deleteDeviceVisits(
  pool: Pool,
  deviceId: string,
  filter: VisitEraseFilter,
): Promise<number> {
  const values: unknown[] = [deviceId];
  const where = ['device_id = $1'];
  if (filter.domain !== undefined) {
    values.push(filter.domain, `.${filter.domain}`);
    where.push(
      `(domain = $${values.length - 1} OR right(domain, length($${values.length})) = $${values.length})`,
    );
  }
  if (filter.from !== undefined) {
    values.push(filter.from);
    where.push(`started_at >= $${values.length}::timestamptz`);
  }
  if (filter.to !== undefined) {
    values.push(filter.to);
    where.push(`started_at < $${values.length}::timestamptz`);
  }
  const result = await pool.query(`DELETE FROM visits WHERE ${where.join(' AND ')}`, values);
  return result.rowCount ?? 0;
}
