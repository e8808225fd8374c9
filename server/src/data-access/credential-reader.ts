/**
 * The API's credential reads (authentication's cache misses), combined across concurrent
 * requests (call-combiner.ts): the reads that arrive while others are in flight go in one
 * statement (findDeviceCredentials). Each answer is what its device's row held
 * when that statement ran, as a read of its own would have been.
 */
import { type CombinerLimits, combineCalls } from './call-combiner.js';
import {
  type CredentialRow,
  credentialOfRow,
  type DeviceCredential,
  findDeviceCredential,
} from './devices-repo.js';
import type { Pool } from './pool.js';

/**
 * findDeviceCredential for several devices in one statement (credentialReader combines
 * concurrent requests' reads); answers in the order given, a device row before an erased one.
 */
export async function findDeviceCredentials(
  pool: Pool,
  deviceIds: string[],
): Promise<DeviceCredential[]> {
  const res = await pool.query<CredentialRow>({
    name: 'find-device-credentials',
    text: `SELECT CASE WHEN d.id IS NULL THEN CASE WHEN e.device_id IS NULL THEN NULL ELSE 'erased' END
                   WHEN d.revoked_at IS NULL THEN 'active' ELSE 'revoked' END AS state,
                coalesce(d.token_hash, e.token_hash) AS token_hash, c.name AS cohort, c.study_ends_at
           FROM unnest($1::uuid[]) WITH ORDINALITY AS i(id, ord)
           LEFT JOIN devices d ON d.id = i.id
           LEFT JOIN cohorts c ON c.id = d.cohort_id
           LEFT JOIN erased_devices e ON d.id IS NULL AND e.device_id = i.id
          ORDER BY i.ord`,
    values: [deviceIds],
  });
  return res.rows.map(credentialOfRow);
}

export const DEFAULT_CREDENTIAL_READS: CombinerLimits = { inFlight: 2, maxItems: 500 };

export function credentialReader(
  pool: Pool,
  limits: CombinerLimits = DEFAULT_CREDENTIAL_READS,
): (deviceId: string) => Promise<DeviceCredential> {
  return combineCalls<string, DeviceCredential>(
    {
      one: (id) => findDeviceCredential(pool, id),
      many: (ids) => findDeviceCredentials(pool, ids),
      keyOf: (id) => id,
    },
    limits,
  );
}
