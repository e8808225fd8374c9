import type { Pool } from './pool.js';
import { withTransaction } from './pool.js';

const DAY_MS = 86_400_000;

/**
 * Days of device_usage kept: the quotas count today alone; the days before
 * keep the devices that stored something out of the expiry below until their
 * visits are written (Kafka mode writes them after the API answered).
 */
export const USAGE_DAYS_KEPT = 7;

/** Devices one run expires at most: the rest go in the next hourly runs. */
export const MAX_EXPIRED_PER_RUN = 1000;

export interface UsageMaintenanceResult {
  /** device_usage rows of days before the kept ones, deleted. */
  deletedUsageDays: number;
  /** Devices registered over `unusedDeviceExpiryDays` ago that stored nothing, deleted. */
  expiredDevices: number;
}

/**
 * The hourly upkeep of the quotas' tables: deletes usage days older than
 * USAGE_DAYS_KEPT, and devices registered more than `unusedDeviceExpiryDays`
 * ago with no visit and no usage (at most `maxExpired`, oldest first: open
 * registration must not fill the devices table with installs that never
 * sent anything). Ages are measured from the earlier of `now` (this server's
 * clock) and PostgreSQL's, so a clock jumping ahead expires nothing early.
 *
 * The candidates are locked first (FOR UPDATE, skipping any a request holds),
 * then deleted by a second statement that checks again with a snapshot taken
 * after the locks: a device whose first batch reserved usage or stored visits
 * before is kept, and one that sends after waits for the lock and finds the
 * device gone (usage: device_deleted; a writer: drops its records).
 */
export async function maintainUsage(
  pool: Pool,
  opts: { now: Date; unusedDeviceExpiryDays: number; maxExpired?: number },
): Promise<UsageMaintenanceResult> {
  const usage = await pool.query(
    `DELETE FROM device_usage
      WHERE day < (least($1::timestamptz, now()) AT TIME ZONE 'UTC')::date - $2::int`,
    [opts.now, USAGE_DAYS_KEPT],
  );
  const cutoff = new Date(opts.now.getTime() - opts.unusedDeviceExpiryDays * DAY_MS);
  // A study's device is left to its admin (devices revoke/erase): it may start sending late,
  // and deleting it would have spent its enrolment code's use. A linked device is in use by its
  // person (its summary), and deleting it here would skip unlinking.
  const unused = `d.cohort_id IS NULL AND d.person_id IS NULL
    AND NOT EXISTS (SELECT 1 FROM device_usage u WHERE u.device_id = d.id)
    AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.device_id = d.id)`;
  const expired = await withTransaction(pool, async (client) => {
    const candidates = await client.query<{ id: string }>(
      `SELECT d.id FROM devices d
        WHERE d.created_at < least($1::timestamptz, now() - $2::int * interval '1 day')
          AND ${unused}
        ORDER BY d.created_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [cutoff, opts.unusedDeviceExpiryDays, opts.maxExpired ?? MAX_EXPIRED_PER_RUN],
    );
    if (candidates.rows.length === 0) return 0;
    const del = await client.query(
      `DELETE FROM devices d WHERE d.id = ANY($1::uuid[]) AND ${unused}`,
      [candidates.rows.map((r) => r.id)],
    );
    return del.rowCount ?? 0;
  });
  return { deletedUsageDays: usage.rowCount ?? 0, expiredDevices: expired };
}
