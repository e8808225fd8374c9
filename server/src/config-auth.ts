import { z } from 'zod';

/**
 * AUTH_CACHE_TTL_MS: how long the API keeps a device's credential after reading it from
 * PostgreSQL (domain/device-auth.ts), in ms; 0 reads PostgreSQL on every request. Also the
 * longest a revocation, an erase or a study end made by the admin command or another API
 * replica can go unseen by this one (an erase through this replica is seen at once).
 * config.ts spreads this into its schema.
 */
export const authCacheEnv = {
  AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(300_000).default(5_000),
};
