import type { Pool } from './pool.js';

/** The stored hash of the device's withdrawal secret, or null when the server has none. */
export async function findWithdrawalSecret(pool: Pool, deviceId: string): Promise<Buffer | null> {
  const r = await pool.query<{ secret_hash: Buffer }>(
    'SELECT secret_hash FROM withdrawal_secrets WHERE device_id = $1',
    [deviceId],
  );
  return r.rows[0]?.secret_hash ?? null;
}
