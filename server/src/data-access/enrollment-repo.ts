import {
  NEW_DEVICE_COLUMNS,
  NEW_DEVICE_PLACEHOLDERS,
  type NewDevice,
  newDeviceValues,
  withWithdrawalSecret,
} from './devices-repo.js';
import type { Pool } from './pool.js';

/**
 * Takes one use of the enrolment code and inserts the device into the code's cohort, with its
 * withdrawal secret, in one statement: the UPDATE locks the code's row, and a registration that waited for it re-checks
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
       RETURNING cohort_id),
     dev AS (
       INSERT INTO devices (${NEW_DEVICE_COLUMNS}, cohort_id)
       SELECT ${NEW_DEVICE_PLACEHOLDERS}, used.cohort_id FROM used
       RETURNING id)
     ${withWithdrawalSecret(17)}`,
    [...newDeviceValues(d), codeHash, now, d.withdrawalSecretHash],
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
