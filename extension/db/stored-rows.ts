/**
 * Reading many rows by key where most may not exist. IndexedDB answers each get as a request of
 * its own, and a get that finds nothing costs as much as one that finds a row (0.1-0.2 ms each in
 * Chromium here): an import into a young history asks for hundreds of thousands of rollup rows
 * that are not there yet. One scan of the keys stored in the asked keys' range tells which are,
 * and only those are read.
 */
import { cmp, type IndexableType, type Table } from 'dexie';

/** Below this many keys the gets are cheaper than counting and scanning the range first. */
export const SCAN_FROM_KEYS = 500;
/** Scanned only while the range holds at most this many stored keys per key asked for. */
const MAX_STORED_PER_ASKED = 4;

/** A key as a Map's key: the rollups' keys are strings or arrays of strings. */
function keyText(key: IndexableType): string {
  return typeof key === 'string' ? key : JSON.stringify(key);
}

/**
 * The rows of `keys`, in their order (undefined where none is stored), as `table.bulkGet` gives
 * them. With many keys, the stored keys of their range are scanned first (one request) and only
 * those are read; a range holding far more rows than are asked for (a few keys of a large
 * table) is read by key as before. Call it inside the caller's transaction: the scan and the
 * reads then see the same rows.
 */
export async function bulkGetStored<T, K extends IndexableType>(
  table: Table<T, K>,
  keys: readonly K[],
): Promise<(T | undefined)[]> {
  if (keys.length < SCAN_FROM_KEYS) return table.bulkGet([...keys]);
  let low = keys[0] as K;
  let high = low;
  for (const key of keys) {
    if (cmp(key, low) < 0) low = key;
    if (cmp(key, high) > 0) high = key;
  }
  const range = table.where(':id').between(low, high, true, true);
  if ((await range.count()) > keys.length * MAX_STORED_PER_ASKED) return table.bulkGet([...keys]);
  const stored = new Set((await range.primaryKeys()).map(keyText));
  const present = keys.filter((key) => stored.has(keyText(key)));
  const rows = await table.bulkGet(present);
  const byKey = new Map(present.map((key, i) => [keyText(key), rows[i]]));
  return keys.map((key) => byKey.get(keyText(key)));
}
