import { isDatabaseDown, type Pool } from '../data-access/pool.js';
import { releaseUsages } from '../data-access/usage-repo.js';
import { usageReserver } from '../data-access/usage-reserver.js';
import type { VisitRecord, VisitSink } from '../data-access/visit-record.js';
import { AppError } from './errors.js';
import { type QuotaBlocks, quotaBlocks } from './quota-blocks.js';

const DAY_MS = 86_400_000;

/**
 * What a stored visit costs besides its text: its ids, times and numbers
 * (three uuids, six timestamps, three bigints) and PostgreSQL's row header,
 * rounded up.
 */
export const ROW_FIXED_BYTES = 160;

/** The bytes a record is charged: its text (UTF-8) and ROW_FIXED_BYTES. */
export function recordBytes(r: VisitRecord): number {
  let bytes = ROW_FIXED_BYTES + Buffer.byteLength(r.domain);
  if (r.url !== null) bytes += Buffer.byteLength(r.url);
  if (r.title !== null) bytes += Buffer.byteLength(r.title);
  if (r.transition !== null) bytes += Buffer.byteLength(r.transition);
  for (const v of Object.values(r.client)) if (v !== null) bytes += Buffer.byteLength(v);
  return bytes;
}

/** The UTC day of `at`, 'YYYY-MM-DD': the day quotas count. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Whole seconds from `at` to the next midnight UTC, at least 1: when a day's quota is new. */
export function secondsToUtcMidnight(at: Date): number {
  const next = Math.floor(at.getTime() / DAY_MS + 1) * DAY_MS;
  return Math.max(1, Math.ceil((next - at.getTime()) / 1000));
}

export interface DeviceQuota {
  rowsPerDeviceDay: number;
  bytesPerDeviceDay: number;
  /** The share of each quota reserved ahead per device and day (quota-blocks.ts); 0 or unset: none. */
  blockPercent?: number;
}

/** Each pool's reservers, by quota: concurrent requests share statements (usage-reserver.ts). */
const reservers = new WeakMap<Pool, Map<string, QuotaBlocks>>();

function reserverOf(pool: Pool, quota: DeviceQuota): QuotaBlocks {
  let byQuota = reservers.get(pool);
  if (byQuota === undefined) {
    byQuota = new Map();
    reservers.set(pool, byQuota);
  }
  const share = (quota.blockPercent ?? 0) / 100;
  const key = `${quota.rowsPerDeviceDay}/${quota.bytesPerDeviceDay}/${share}`;
  let blocks = byQuota.get(key);
  if (blocks === undefined) {
    blocks = quotaBlocks({
      reserve: usageReserver(pool, {
        maxRows: quota.rowsPerDeviceDay,
        maxBytes: quota.bytesPerDeviceDay,
      }),
      release: (charges) => releaseUsages(pool, charges),
      block: {
        rows: Math.floor(quota.rowsPerDeviceDay * share),
        bytes: Math.floor(quota.bytesPerDeviceDay * share),
      },
    });
    byQuota.set(key, blocks);
  }
  return blocks;
}

/** Gives the quota blocks this process holds on `pool` back to PostgreSQL (at shutdown). */
export async function releaseQuotaBlocks(pool: Pool): Promise<void> {
  await Promise.all([...(reservers.get(pool)?.values() ?? [])].map((b) => b.releaseAll()));
}

/** Drops an erased device's quota blocks on `pool` (domain/devices.ts, with its credential). */
export function forgetQuotaBlocks(pool: Pool, deviceId: string): void {
  for (const b of reservers.get(pool)?.values() ?? []) b.forget(deviceId);
}

/**
 * Reserves the records' rows and bytes in the device's quota of the UTC day
 * of `receivedAt`: what the device sends, a resend of visits already stored included (the quota
 * bounds the load a device puts on the server, and whether a visit is stored is known only after
 * the write, in Kafka mode in another process) (from a block this process holds, else one round trip shared with
 * concurrent requests: quota-blocks.ts), or throws 429 quota_exceeded (nothing
 * reserved, nothing to accept) with Retry-After until midnight UTC. Resolves
 * with a function that gives the reservation back, for a batch that then
 * could not be delivered.
 */
export async function reserveQuota(
  pool: Pool,
  records: VisitRecord[],
  ctx: { deviceId: string; receivedAt: Date; quota: DeviceQuota },
): Promise<() => Promise<void>> {
  let bytes = 0;
  for (const r of records) bytes += recordBytes(r);
  const charge = {
    deviceId: ctx.deviceId,
    day: utcDay(ctx.receivedAt),
    rows: records.length,
    bytes,
  };
  const blocks = reserverOf(pool, ctx.quota);
  const r = await blocks.take(charge);
  if (r.state === 'gone') {
    throw new AppError('device_deleted', 'This device no longer exists; register again to sync.');
  }
  if (r.state === 'revoked') {
    throw new AppError(
      'device_revoked',
      'This device was revoked or is being erased: it can no longer sync.',
    );
  }
  if (r.state === 'over') {
    const seconds = secondsToUtcMidnight(ctx.receivedAt);
    const { rowsPerDeviceDay: maxRows, bytesPerDeviceDay: maxBytes } = ctx.quota;
    throw new AppError(
      'quota_exceeded',
      `This batch of ${charge.rows} visits (${charge.bytes} bytes) would pass this device's ` +
        `daily quota of ${maxRows} visits and ${maxBytes} bytes (${r.used.rows} visits and ` +
        `${r.used.bytes} bytes received today, UTC, resends included); nothing was accepted. ` +
        `Retry after ${seconds} s.`,
      {
        day: charge.day,
        used: r.used,
        batch: { rows: charge.rows, bytes: charge.bytes },
        quota: { rows: maxRows, bytes: maxBytes },
      },
      seconds,
    );
  }
  return () => blocks.giveBack(charge);
}

/**
 * Delivers the records after reserving them in the device's daily quota (in
 * the API, so in both modes); gives the reservation back when delivery fails,
 * so the retry is charged once. Nothing to deliver costs no round trip.
 */
export async function deliverWithinQuota(
  deps: {
    pool: Pool;
    sink: VisitSink;
    /** "kafka" when the sink does not need PostgreSQL to take the records. */
    sinkName: string;
    log: { warn(obj: object, msg: string): void };
  },
  records: VisitRecord[],
  ctx: { deviceId: string; receivedAt: Date; quota: DeviceQuota },
): Promise<void> {
  if (records.length === 0) return;
  let release: () => Promise<void>;
  try {
    release = await reserveQuota(deps.pool, records, ctx);
  } catch (err) {
    // With Kafka between the API and PostgreSQL, a database that cannot take writes (read-only
    // after a failover, restarting) must not stop ingest: Kafka keeps the records until the
    // writer can store them. Those batches go uncounted; the rate limits still hold. A busy
    // database (a pool or lock timeout) is not down: the quota is not skipped under load.
    if (deps.sinkName !== 'kafka' || !isDatabaseDown(err)) throw err;
    deps.log.warn({ err }, 'quota not counted: PostgreSQL cannot take writes now');
    release = async () => {};
  }
  try {
    await deps.sink.deliver(records);
  } catch (err) {
    await release().catch((releaseErr: unknown) => {
      deps.log.warn({ err: releaseErr }, 'could not give back a quota reservation');
    });
    throw err;
  }
}
