import type { NewDevice } from './devices-repo.js';
import type { Pool } from './pool.js';

/**
 * Takes one use of the enrolment code and inserts the device into the code's cohort, in one
 * statement: the UPDATE locks the code's row, and a registration that waited for it re-checks
 * the conditions on the row as the other left it, so the last use goes to one of them.
 * False, inserting nothing, when the code is unknown, revoked, expired at `now` or used up.
 */
export async function insertDeviceWithCode(
  pool: Pool,
  d: NewDevice,
  codeHash: Buffer,
  now: Date,
): Promise<boolean> {
  const res = await pool.query(
    `WITH used AS (
       UPDATE enrollment_codes SET uses = uses + 1
        WHERE code_hash = $15 AND revoked_at IS NULL AND uses < max_uses
          AND (expires_at IS NULL OR expires_at > $16)
       RETURNING cohort_id)
     INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os,
       label, user_agent, ua_browser_name, ua_browser_version, ua_engine_name, ua_os_name,
       ua_os_version, ua_device_type, cohort_id)
     SELECT $1::uuid, $2::bytea, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text,
       $9::text, $10::text, $11::text, $12::text, $13::text, $14::text, used.cohort_id FROM used`,
    [
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
      codeHash,
      now,
    ],
  );
  return res.rowCount === 1;
}

export interface CodeState {
  revokedAt: Date | null;
  expiresAt: Date | null;
  uses: number;
  maxUses: number;
}

/** A code's state, or null when no code has this hash. */
export async function findCode(pool: Pool, codeHash: Buffer): Promise<CodeState | null> {
  const res = await pool.query<{
    revoked_at: Date | null;
    expires_at: Date | null;
    uses: number;
    max_uses: number;
  }>('SELECT revoked_at, expires_at, uses, max_uses FROM enrollment_codes WHERE code_hash = $1', [
    codeHash,
  ]);
  const r = res.rows[0];
  if (r === undefined) return null;
  return { revokedAt: r.revoked_at, expiresAt: r.expires_at, uses: r.uses, maxUses: r.max_uses };
}
