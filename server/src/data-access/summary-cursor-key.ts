import type { Pool } from './pool.js';

/** One read per pool: the key never changes (migration summary-cursor-key). */
const keys = new WeakMap<Pool, Promise<Buffer>>();

/** The key that seals the summary's cursors (domain/summary-cursor.ts). */
export function summaryCursorKey(pool: Pool): Promise<Buffer> {
  let key = keys.get(pool);
  if (key === undefined) {
    key = readKey(pool);
    // A failed read (the database away) is tried again by the next request.
    key.catch(() => keys.delete(pool));
    keys.set(pool, key);
  }
  return key;
}

async function readKey(pool: Pool): Promise<Buffer> {
  const r = await pool.query<{ key: Buffer }>('SELECT key FROM summary_cursor_key');
  const key = r.rows[0]?.key;
  if (key === undefined) throw new Error('summary_cursor_key holds no key');
  return key;
}
