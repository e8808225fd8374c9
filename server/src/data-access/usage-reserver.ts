/**
 * The API's quota reservations, combined across concurrent requests (call-combiner.ts): one
 * statement (usage-repo.ts reserveUsages) for the reservations that arrive while others are in
 * flight, at most one per device and day in a statement, so each is decided exactly as it would
 * be alone: a device's later request waits for the next statement and sees what the earlier one
 * reserved. The quota never passes, whatever the concurrency.
 */
import { type CombinerLimits, combineCalls } from './call-combiner.js';
import type { Pool } from './pool.js';
import { type Reservation, reserveUsage, reserveUsages, type UsageCharge } from './usage-repo.js';

export const DEFAULT_RESERVER: CombinerLimits = { inFlight: 2, maxItems: 500 };

export type ReserveUsage = (charge: UsageCharge) => Promise<Reservation>;

export function usageReserver(
  pool: Pool,
  max: { maxRows: number; maxBytes: number },
  limits: CombinerLimits = DEFAULT_RESERVER,
): ReserveUsage {
  return combineCalls<UsageCharge, Reservation>(
    {
      one: (charge) => reserveUsage(pool, { ...charge, ...max }),
      many: (charges) => reserveUsages(pool, charges, max),
      keyOf: (charge) => `${charge.deviceId} ${charge.day}`,
    },
    limits,
  );
}
