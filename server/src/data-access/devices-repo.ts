import { dissolveIfAlone, lockLinks } from './link-repo.js';
import type { Pool } from './pool.js';
import { withTransaction } from './pool.js';

/** What the server reads from a User-Agent header (domain/user-agent.ts parses it). */
export interface ParsedUserAgent {
  browserName: string | null;
  browserVersion: string | null;
  engineName: string | null;
  osName: string | null;
  osVersion: string | null;
  /** mobile, tablet, ... ; "desktop" when the parser names no device type. */
  deviceType: string | null;
}

export interface NewDevice {
  id: string;
  tokenHash: Buffer;
  extensionVersion: string;
  browserName: string;
  browserVersion: string;
  os: string;
  label: string | null;
  userAgent: string | null;
  ua: ParsedUserAgent;
  /** SHA-256 of the device's withdrawal secret (withdrawal.ts), stored with the device. */
  withdrawalSecretHash: Buffer;
}

/** The columns a new device row is inserted with, in newDeviceValues' order ($1 to $14). */
export const NEW_DEVICE_COLUMNS = `id, token_hash, extension_version, browser_name,
  browser_version, os, label, user_agent, ua_browser_name, ua_browser_version, ua_engine_name,
  ua_os_name, ua_os_version, ua_device_type`;

/** $1 to $14 of NEW_DEVICE_COLUMNS, typed, for an INSERT ... SELECT. */
export const NEW_DEVICE_PLACEHOLDERS = `$1::uuid, $2::bytea, $3::text, $4::text, $5::text,
  $6::text, $7::text, $8::text, $9::text, $10::text, $11::text, $12::text, $13::text, $14::text`;

/** The values of NEW_DEVICE_COLUMNS for `d`; the registration statements add theirs after. */
export function newDeviceValues(d: NewDevice): unknown[] {
  return [
    d.id,
    d.tokenHash,
    d.extensionVersion,
    d.browserName,
    d.browserVersion,
    d.os,
    d.label,
    d.userAgent,
    d.ua.browserName,
    d.ua.browserVersion,
    d.ua.engineName,
    d.ua.osName,
    d.ua.osVersion,
    d.ua.deviceType,
  ];
}

/**
 * The end of a registration statement whose `dev` CTE inserts the device (RETURNING id): its
 * withdrawal secret's hash (parameter `param`) goes in with it. The device, the code's use or the
 * cap's count, and the secret land together or not at all: a registration that fails half way
 * (a failed-over database) leaves no device that nobody can withdraw and spends no code's use.
 */
export function withWithdrawalSecret(param: number): string {
  return `INSERT INTO withdrawal_secrets (device_id, secret_hash) SELECT id, $${param}::bytea FROM dev`;
}

export type DeviceCredential =
  | {
      state: 'active' | 'revoked';
      tokenHash: Buffer;
      /** The device's cohort and its study end (null: none), read with the credential. */
      cohort: string | null;
      studyEndsAt: Date | null;
    }
  | { state: 'erased'; tokenHash: Buffer }
  | { state: 'unknown' };

/** A credential read's row (findDeviceCredential, findDeviceCredentials); state null: no device. */
export interface CredentialRow {
  state: 'active' | 'revoked' | 'erased' | null;
  token_hash: Buffer | null;
  cohort: string | null;
  study_ends_at: Date | null;
}

/** The credential a read's row stands for (no row, or one without a token hash: unknown). */
export function credentialOfRow(row: CredentialRow | undefined): DeviceCredential {
  if (row === undefined || row.state === null || row.token_hash === null)
    return { state: 'unknown' };
  if (row.state === 'erased') return { state: 'erased', tokenHash: row.token_hash };
  return {
    state: row.state,
    tokenHash: row.token_hash,
    cohort: row.cohort,
    studyEndsAt: row.study_ends_at,
  };
}

/** The stored token hash of a device, whether it still exists, and its cohort's study end. */
export async function findDeviceCredential(
  pool: Pool,
  deviceId: string,
): Promise<DeviceCredential> {
  const res = await pool.query<CredentialRow>(
    `SELECT CASE WHEN d.revoked_at IS NULL THEN 'active' ELSE 'revoked' END AS state,
            d.token_hash, c.name AS cohort, c.study_ends_at
       FROM devices d LEFT JOIN cohorts c ON c.id = d.cohort_id
      WHERE d.id = $1
     UNION ALL
     SELECT 'erased' AS state, token_hash, NULL, NULL FROM erased_devices WHERE device_id = $1
     LIMIT 1`,
    [deviceId],
  );
  return credentialOfRow(res.rows[0]);
}

export interface DeviceRecord {
  id: string;
  extensionVersion: string;
  browserName: string;
  browserVersion: string;
  os: string;
  label: string | null;
  userAgent: string | null;
  createdAt: string;
}

export async function findDevice(pool: Pool, deviceId: string): Promise<DeviceRecord | null> {
  const res = await pool.query<{
    id: string;
    extension_version: string;
    browser_name: string;
    browser_version: string;
    os: string;
    label: string | null;
    user_agent: string | null;
    created_at: Date;
  }>(
    `SELECT id, extension_version, browser_name, browser_version, os, label, user_agent, created_at
       FROM devices WHERE id = $1`,
    [deviceId],
  );
  const r = res.rows[0];
  if (r === undefined) return null;
  return {
    id: r.id,
    extensionVersion: r.extension_version,
    browserName: r.browser_name,
    browserVersion: r.browser_version,
    os: r.os,
    label: r.label,
    userAgent: r.user_agent,
    createdAt: r.created_at.toISOString(),
  };
}

/**
 * Deletes a device, all its visits (the rollup's trigger takes them out of
 * visit_rollup), unlinks it, and leaves a tombstone with the token hash.
 *
 * Two transactions, so the global link lock is never held while the visits
 * go (minutes for a device with years of history, while every link, unlink,
 * revoke and erase would wait). The first, under the lock, unlinks the device
 * and marks it revoked, which keeps it from being linked again (redeeming
 * refuses revoked devices on both sides). The second deletes the device row
 * first: it waits for any writer holding it FOR KEY SHARE (see insertVisits),
 * so the visits DELETE that follows sees every row such a writer committed,
 * and later writers find no device. Should the second fail, the device stays
 * revoked and unlinked, and erasing again finishes the job.
 */
export async function eraseDevice(pool: Pool, deviceId: string): Promise<number | null> {
  const found = await withTransaction(pool, async (client) => {
    await lockLinks(client);
    // Read before any row lock: a device already revoked and unlinked (for good: nothing
    // links a revoked device) needs nothing done under the link lock, and may be another
    // erase's in its second transaction, whose row lock this must not wait on holding the
    // link lock (every link would wait too). Its row is then awaited in the second one.
    const seen = await client.query<{ settled: boolean }>(
      'SELECT revoked_at IS NOT NULL AND person_id IS NULL AS settled FROM devices WHERE id = $1',
      [deviceId],
    );
    if (seen.rows[0] === undefined) return false;
    if (seen.rows[0].settled) return true;
    const r = await client.query<{ person_id: string | null }>(
      `WITH old AS (SELECT person_id FROM devices WHERE id = $1 FOR UPDATE)
       UPDATE devices d SET person_id = NULL, revoked_at = coalesce(d.revoked_at, now())
         FROM old WHERE d.id = $1
       RETURNING old.person_id`,
      [deviceId],
    );
    const row = r.rows[0];
    if (row === undefined) return false;
    await dissolveIfAlone(client, row.person_id);
    return true;
  });
  if (!found) return null;
  return withTransaction(pool, async (client) => {
    // Its link codes go with the row (ON DELETE CASCADE).
    const dev = await client.query<{ token_hash: Buffer }>(
      'DELETE FROM devices WHERE id = $1 RETURNING token_hash',
      [deviceId],
    );
    const row = dev.rows[0];
    if (row === undefined) return null;
    await client.query(
      'INSERT INTO erased_devices (device_id, token_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [deviceId, row.token_hash],
    );
    const visits = await client.query('DELETE FROM visits WHERE device_id = $1', [deviceId]);
    return visits.rowCount ?? 0;
  });
}
