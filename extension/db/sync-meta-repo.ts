/** The sync client's persistent state: one row, because the MV3 worker may die between attempts. */
import type { SyncMeta, SyncMetaRow, TracksphereDb } from './schema.js';

export const INITIAL_SYNC_META: SyncMeta = {
  attempt: 0,
  nextAttemptAt: null,
  lastAttemptAt: null,
  lastSuccessAt: null,
  lastError: null,
  blocked: false,
  inFlight: null,
};

export async function getSyncMeta(db: TracksphereDb): Promise<SyncMeta> {
  const row = await db.meta.get('sync');
  if (row === undefined) return { ...INITIAL_SYNC_META };
  const { key: _key, ...meta } = row;
  return { ...INITIAL_SYNC_META, ...meta };
}

/** Applies a partial change in a transaction, so concurrent updates are not lost. */
export function updateSyncMeta(db: TracksphereDb, change: Partial<SyncMeta>): Promise<SyncMeta> {
  return db.transaction('rw', db.meta, async () => {
    const next: SyncMeta = { ...(await getSyncMeta(db)), ...change };
    const row: SyncMetaRow = { key: 'sync', ...next };
    await db.meta.put(row);
    return next;
  });
}

/** Lifts a 401/403 block and forgets the backoff: after a new registration, or by hand. */
export function clearSyncBlock(db: TracksphereDb): Promise<SyncMeta> {
  return updateSyncMeta(db, {
    blocked: false,
    attempt: 0,
    nextAttemptAt: null,
    lastError: null,
    inFlight: null,
  });
}
