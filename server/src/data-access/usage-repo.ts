import type { Pool } from './pool.js';

/** What a device stored on one UTC day ('YYYY-MM-DD'), as reserved by the API. */
export interface Usage {
  rows: number;
  bytes: number;
}

export type Reservation =
  | { state: 'reserved'; used: Usage }
  /** Nothing reserved: the batch would pass a quota. `used` is what the day holds already. */
  | { state: 'over'; used: Usage }
  /** The device no longer exists (erased or expired since it authenticated). */
  | { state: 'gone' }
  /** Revoked, or being erased, since it authenticated (reserveUsages only). */
  | { state: 'revoked' };

const FOREIGN_KEY_VIOLATION = '23503';

/**
 * Adds a batch's rows and bytes to its device's day, in one statement, only
 * when the day's totals stay within the quotas: concurrent requests of one
 * device queue on the row (ON CONFLICT DO UPDATE locks it), so together they
 * never pass a quota. A batch over a quota reserves nothing; the statement then
 * answers with the day's usage (read in the same round trip).
 */
export async function reserveUsage(
  pool: Pool,
  u: {
    deviceId: string;
    day: string;
    rows: number;
    bytes: number;
    maxRows: number;
    maxBytes: number;
  },
): Promise<Reservation> {
  try {
    const res = await pool.query<{ reserved: boolean; rows: string; bytes: string }>({
      name: 'reserve-usage',
      text: `WITH reserved AS (
          INSERT INTO device_usage AS u (device_id, day, rows, bytes)
          SELECT $1::uuid, $2::date, $3::bigint, $4::bigint
           WHERE $3::bigint <= $5::bigint AND $4::bigint <= $6::bigint
          ON CONFLICT (device_id, day) DO UPDATE
            SET rows = u.rows + excluded.rows, bytes = u.bytes + excluded.bytes
            WHERE u.rows + excluded.rows <= $5::bigint AND u.bytes + excluded.bytes <= $6::bigint
          RETURNING u.rows, u.bytes)
        SELECT true AS reserved, rows, bytes FROM reserved
        UNION ALL
        SELECT false, rows, bytes FROM device_usage
         WHERE device_id = $1::uuid AND day = $2::date AND NOT EXISTS (SELECT 1 FROM reserved)`,
      values: [u.deviceId, u.day, u.rows, u.bytes, u.maxRows, u.maxBytes],
    });
    const row = res.rows[0];
    if (row === undefined) return { state: 'over', used: { rows: 0, bytes: 0 } };
    const used = { rows: Number(row.rows), bytes: Number(row.bytes) };
    return row.reserved ? { state: 'reserved', used } : { state: 'over', used };
  } catch (err) {
    if ((err as { code?: string }).code === FOREIGN_KEY_VIOLATION) return { state: 'gone' };
    throw err;
  }
}

export interface UsageCharge {
  deviceId: string;
  day: string;
  rows: number;
  bytes: number;
}

/**
 * reserveUsage for several charges in one statement (usage-reserver.ts combines concurrent
 * requests' charges): each charge is reserved or not on its own, as if alone, and answers in the
 * order given. At most one charge per device and day (a row cannot be updated twice in one
 * statement). The rows are locked in (device, day) order, so two such statements never deadlock.
 * A device that is gone when the statement starts is answered 'gone'; one erased while it runs
 * fails the whole statement (foreign key violation): the caller then reserves each on its own.
 */
export async function reserveUsages(
  pool: Pool,
  charges: UsageCharge[],
  max: { maxRows: number; maxBytes: number },
): Promise<Reservation[]> {
  const res = await pool.query<{
    reserved: boolean;
    known: boolean;
    revoked: boolean;
    rows: string;
    bytes: string;
  }>({
    name: 'reserve-usages',
    text: `WITH input AS (
          SELECT * FROM unnest($1::uuid[], $2::date[], $3::bigint[], $4::bigint[])
            WITH ORDINALITY AS t(device_id, day, rows, bytes, ord)),
        reserved AS (
          INSERT INTO device_usage AS u (device_id, day, rows, bytes)
          SELECT i.device_id, i.day, i.rows, i.bytes FROM input i
           WHERE i.rows <= $5::bigint AND i.bytes <= $6::bigint
             -- Not a revoked device: one being erased is revoked first, and its row stays
             -- locked while its visits go; this statement must not wait on it for the others.
             AND EXISTS (SELECT 1 FROM devices d WHERE d.id = i.device_id AND d.revoked_at IS NULL)
           ORDER BY i.device_id, i.day
          ON CONFLICT (device_id, day) DO UPDATE
            SET rows = u.rows + excluded.rows, bytes = u.bytes + excluded.bytes
            WHERE u.rows + excluded.rows <= $5::bigint AND u.bytes + excluded.bytes <= $6::bigint
          RETURNING u.device_id, u.day, u.rows, u.bytes)
        SELECT r.device_id IS NOT NULL AS reserved,
               EXISTS (SELECT 1 FROM devices d WHERE d.id = i.device_id) AS known,
               EXISTS (SELECT 1 FROM devices d
                        WHERE d.id = i.device_id AND d.revoked_at IS NOT NULL) AS revoked,
               coalesce(r.rows, o.rows, 0) AS rows, coalesce(r.bytes, o.bytes, 0) AS bytes
          FROM input i
          LEFT JOIN reserved r ON r.device_id = i.device_id AND r.day = i.day
          LEFT JOIN device_usage o
            ON r.device_id IS NULL AND o.device_id = i.device_id AND o.day = i.day
         ORDER BY i.ord`,
    values: [
      charges.map((c) => c.deviceId),
      charges.map((c) => c.day),
      charges.map((c) => c.rows),
      charges.map((c) => c.bytes),
      max.maxRows,
      max.maxBytes,
    ],
  });
  return res.rows.map((row): Reservation => {
    if (!row.known) return { state: 'gone' };
    if (row.revoked) return { state: 'revoked' };
    const used = { rows: Number(row.rows), bytes: Number(row.bytes) };
    return row.reserved ? { state: 'reserved', used } : { state: 'over', used };
  });
}

/**
 * Gives reservations back, in one statement: a batch that could not be delivered (so its retry
 * is charged once), or the unspent quota blocks of an API process (domain/quota-blocks.ts). A
 * device or day with no row is left alone.
 */
export async function releaseUsages(pool: Pool, charges: UsageCharge[]): Promise<void> {
  if (charges.length === 0) return;
  await pool.query(
    // Rows locked in (device, day) order first, as reserveUsages does: the two never deadlock.
    `WITH g AS (
          SELECT device_id, day, sum(rows) AS rows, sum(bytes) AS bytes
            FROM unnest($1::uuid[], $2::date[], $3::bigint[], $4::bigint[])
              AS t(device_id, day, rows, bytes)
           GROUP BY device_id, day),
        locked AS (
          SELECT u.device_id, u.day FROM device_usage u JOIN g USING (device_id, day)
           ORDER BY u.device_id, u.day FOR UPDATE OF u)
        UPDATE device_usage u SET rows = greatest(u.rows - g.rows, 0),
               bytes = greatest(u.bytes - g.bytes, 0)
          FROM g JOIN locked l USING (device_id, day)
         WHERE u.device_id = g.device_id AND u.day = g.day`,
    [
      charges.map((c) => c.deviceId),
      charges.map((c) => c.day),
      charges.map((c) => c.rows),
      charges.map((c) => c.bytes),
    ],
  );
}

/** A device's usage of one day, or null (tests and operators). */
export async function usageOf(pool: Pool, deviceId: string, day: string): Promise<Usage | null> {
  const res = await pool.query<{ rows: string; bytes: string }>(
    'SELECT rows, bytes FROM device_usage WHERE device_id = $1 AND day = $2::date',
    [deviceId, day],
  );
  const row = res.rows[0];
  return row === undefined ? null : { rows: Number(row.rows), bytes: Number(row.bytes) };
}
