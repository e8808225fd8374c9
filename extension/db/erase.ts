import { type TracksphereDb, visitTables } from './schema.js';
import { getSyncMeta, updateSyncMeta } from './sync-meta-repo.js';

/**
 * Erases everything this extension stored in IndexedDB: visits, rollups, sync state and the
 * linked browsers' cached summaries (their sites are history too).
 */
export async function eraseLocalData(db: TracksphereDb): Promise<void> {
  const tables = [...visitTables(db), db.meta, db.summaryRanges, db.summaryDays];
  await db.transaction('rw', tables, async () => {
    // The batch numbering goes on past what this browser sent before: the server keeps the
    // greatest number it applied, and a batch numbered below it would count as applied.
    const { batchSeq } = await getSyncMeta(db);
    for (const table of tables) await table.clear();
    if (batchSeq !== undefined && batchSeq > 0) await updateSyncMeta(db, { batchSeq });
  });
}

/**
 * After the server erased this device (DELETE /api/v1/me): the server holds
 * nothing and the token is revoked. 'sent' and 'pending' visits become 'local'
 * again: they stay in the local history, and nothing is uploaded to a later
 * registration unless the person queues it explicitly (queueLocalVisits);
 * the person just asked the server to forget, so resending by default would
 * undo that. 'rejected' visits keep their mark: they were never on the server
 * and are still invalid. The sync state (backoff, block, errors) starts over.
 * Returns how many visits changed.
 */
export async function resetSyncState(db: TracksphereDb): Promise<number> {
  return db.transaction('rw', db.visits, db.meta, async () => {
    let changed = 0;
    // One equals() per state: anyOf('sent', 'pending') seeks per key and took
    // seconds for a few thousand visits in fake-indexeddb.
    for (const state of ['sent', 'pending'] as const) {
      changed += await db.visits
        .where('syncState')
        .equals(state)
        .modify((v) => {
          v.syncState = 'local';
          delete v.sentAt;
          delete v.ackedAt;
          delete v.ackBatches;
          delete v.ackSeq;
        });
    }
    await db.meta.clear();
    return changed;
  });
}
