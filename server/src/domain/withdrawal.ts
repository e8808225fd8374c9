/**
 * Withdrawal: each device gets at registration, besides its token, a withdrawal secret that can
 * do nothing but erase the device. The extension puts it in the fragment of the page GET
 * /withdraw (its uninstall URL, and its "leave the study" button), so a person who removed the
 * extension can still have the server erase what it sent.
 */
import type { WithdrawResult } from '#protocol';
import type { Pool } from '../data-access/pool.js';
import { findWithdrawalSecret } from '../data-access/withdrawal-repo.js';
import { eraseDeviceData } from './devices.js';
import { AppError } from './errors.js';
import { secretMatches } from './tokens.js';

/** The hash compared when the device has no secret, so that both cost the same. */
const NO_SECRET = Buffer.alloc(32);

/**
 * Erases the device when `secret` is its withdrawal secret, exactly as DELETE /api/v1/me does;
 * a device erased before answers alreadyErased. Else 403 withdrawal_refused, erasing nothing: an
 * unknown device, one without a secret and a wrong secret cost the same comparison and get the
 * same answer, so neither timing nor the answer tells which device ids exist.
 */
export async function withdrawDevice(
  pool: Pool,
  deviceId: string,
  secret: string,
): Promise<WithdrawResult> {
  const id = deviceId.toLowerCase();
  const stored = await findWithdrawalSecret(pool, id);
  const matches = secretMatches(secret, stored ?? NO_SECRET);
  if (!matches || stored === null) {
    throw new AppError(
      'withdrawal_refused',
      'This withdrawal link is not valid for any device on this server: nothing was erased.',
    );
  }
  try {
    const deletedVisits = await eraseDeviceData(pool, id);
    return { deviceId: id, deletedVisits, alreadyErased: false };
  } catch (err) {
    if (err instanceof AppError && err.code === 'device_deleted') {
      return { deviceId: id, deletedVisits: 0, alreadyErased: true };
    }
    throw err;
  }
}
