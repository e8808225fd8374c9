import type { Pool } from './pool.js';

/**
 * How long a process seals and opens with the key it read before it reads it again. The key
 * changes when an operator rotates it: restore.sh does after a restore, and docs/deployment.md
 * ("The summary cursor's key") asks for it after a point-in-time recovery or a failover, whose
 * cluster hands out again transaction ids that cursors from before hold. Every API process takes
 * the new key within this time, without a restart; a cursor sealed meanwhile with the other key
 * is refused once, and the device asks again without it. One small query a minute per pool.
 */
export const SUMMARY_CURSOR_KEY_TTL_MS = 60_000;

const keys = new WeakMap<Pool, { key: Promise<Buffer>; readAt: number }>();

/** The key that seals the summary's cursors (domain/summary-cursor.ts). */
export function summaryCursorKey(pool: Pool, now = Date.now()): Promise<Buffer> {
  const cached = keys.get(pool);
  if (cached !== undefined && now - cached.readAt < SUMMARY_CURSOR_KEY_TTL_MS) return cached.key;
  const entry = { key: readKey(pool), readAt: now };
  // A failed read (the database away) is tried again by the next request.
  entry.key.catch(() => {
    if (keys.get(pool) === entry) keys.delete(pool);
  });
  keys.set(pool, entry);
  return entry.key;
}

async function readKey(pool: Pool): Promise<Buffer> {
  const r = await pool.query<{ key: Buffer }>('SELECT key FROM summary_cursor_key');
  const key = r.rows[0]?.key;
  if (key === undefined) throw new Error('summary_cursor_key holds no key');
  return key;
}
