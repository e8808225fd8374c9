import {
  NEW_DEVICE_COLUMNS,
  NEW_DEVICE_PLACEHOLDERS,
  type NewDevice,
  newDeviceValues,
  withWithdrawalSecret,
} from './devices-repo.js';
import type { Pool } from './pool.js';

/** The registration caps of one enrollment ('key': ENROLLMENT_KEY; 'open': open registration). */
export interface EnrollmentCap {
  enrollment: 'key' | 'open';
  /** The UTC day of the registration, 'YYYY-MM-DD'. */
  day: string;
  perDay: number;
  /** null: no cap on the total. */
  total: number | null;
}

/**
 * Counts the registration against its enrollment's caps and inserts the
 * device with its withdrawal secret, in one statement: the device is inserted only when the count stayed
 * within both caps, and the count only when the device is (a failed insert
 * rolls it back). Concurrent registrations queue on the enrollment's row.
 * The day is never later than PostgreSQL's: a process whose clock runs ahead
 * cannot start a day that has not come and hold every registration until it does.
 * Resolves false, inserting nothing, when a cap is reached.
 */
export async function insertDeviceWithinCap(
  pool: Pool,
  d: NewDevice,
  cap: EnrollmentCap,
): Promise<boolean> {
  const res = await pool.query(
    `WITH counted AS (
       INSERT INTO enrollment_usage AS e (enrollment, day, today, total)
       SELECT $15::text, least($16::date, (now() AT TIME ZONE 'UTC')::date), 1, 1
        WHERE $17::bigint >= 1 AND coalesce($18::bigint >= 1, true)
       ON CONFLICT (enrollment) DO UPDATE
         SET today = CASE WHEN excluded.day > e.day THEN 1 ELSE e.today + 1 END,
             day = greatest(e.day, excluded.day),
             total = e.total + 1
         WHERE (excluded.day > e.day OR e.today < $17::bigint)
           AND coalesce(e.total < $18::bigint, true)
       RETURNING 1),
     dev AS (
       INSERT INTO devices (${NEW_DEVICE_COLUMNS}) SELECT ${NEW_DEVICE_PLACEHOLDERS} FROM counted
       RETURNING id)
     ${withWithdrawalSecret(19)}`,
    [...newDeviceValues(d), cap.enrollment, cap.day, cap.perDay, cap.total, d.withdrawalSecretHash],
  );
  return res.rowCount === 1;
}

/** An enrollment's registrations: on `day` (0 when it counts another day) and in all. */
export async function enrollmentCount(
  pool: Pool,
  enrollment: EnrollmentCap['enrollment'],
  day: string,
): Promise<{ today: number; total: number }> {
  const res = await pool.query<{ today: number; total: string }>(
    `SELECT CASE WHEN day = $2::date THEN today ELSE 0 END AS today, total
       FROM enrollment_usage WHERE enrollment = $1`,
    [enrollment, day],
  );
  const row = res.rows[0];
  return { today: row?.today ?? 0, total: Number(row?.total ?? 0) };
}
