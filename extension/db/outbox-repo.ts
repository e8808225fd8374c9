/** The outbox: visits in syncState 'pending', and what the sync client does with them. */
import { type Collection, Dexie } from 'dexie';
import type { StoredVisit, SyncMeta, SyncState, TracksphereDb } from './schema.js';
import { updateSyncMeta } from './sync-meta-repo.js';

function stateRange(db: TracksphereDb, state: SyncState): Collection<StoredVisit, string> {
  return db.visits
    .where('[syncState+startedMs]')
    .between([state, Dexie.minKey], [state, Dexie.maxKey], true, true);
}

export function pendingCount(db: TracksphereDb): Promise<number> {
  return db.visits.where('syncState').equals('pending').count();
}

/** Visits recorded while sync was off: they stay in the browser unless the person sends them. */
export function localCount(db: TracksphereDb): Promise<number> {
  return db.visits.where('syncState').equals('local').count();
}

/** The oldest pending visits first (ties in start time: by id, from the index). */
export function oldestPending(db: TracksphereDb, limit: number): Promise<StoredVisit[]> {
  return stateRange(db, 'pending').limit(limit).toArray();
}

/** The most recently started rejected visits, for the popup to show what the server refused. */
export function rejectedVisits(db: TracksphereDb, limit: number): Promise<StoredVisit[]> {
  return stateRange(db, 'rejected').reverse().limit(limit).toArray();
}

/**
 * Applies `change` to those of `ids` that are still pending; returns how many.
 * Keyed reads, not where('id').anyOf(): anyOf walks a cursor with a seek per
 * key, which took ~4 s for 500 ids among 10k visits in fake-indexeddb.
 */
function updatePending(
  db: TracksphereDb,
  ids: readonly string[],
  change: (visit: StoredVisit) => StoredVisit,
): Promise<number> {
  if (ids.length === 0) return Promise.resolve(0);
  return db.transaction('rw', db.visits, async () => {
    const rows = await db.visits.bulkGet([...new Set(ids)]);
    // A visit reset or erased meanwhile (server erase, local erase) stays as it is.
    const changed = rows
      .filter((v): v is StoredVisit => v !== undefined && v.syncState === 'pending')
      .map(change);
    await db.visits.bulkPut(changed);
    return changed.length;
  });
}

/**
 * How the server acknowledged a batch: its receivedAt (ms), the batch's id, and the batches sent
 * before it without an answer (they may have been stored all the same), with their events.
 */
export interface BatchAck {
  receivedAt: number;
  batchId: string;
  /** The batch's own number, when the server ordered it by it (its answer echoed `seq`). */
  seq?: number;
  unanswered: readonly { batchId: string; eventIds: readonly string[] }[];
}

// The sync's own fields of the stored shapes, declared with the code that writes them.
declare module './schema.js' {
  interface StoredVisit {
    /**
     * The number (`seq`) of the batch that acknowledged it, when the server ordered the batch
     * by it: a summary holds it once its appliedSeq reaches it (stats/all-browsers.ts).
     */
    ackSeq?: number;
  }
  interface SyncMeta {
    /** The number of the latest batch sent (POST /api/v1/events?seq=N; a retry sends it again). */
    batchSeq?: number;
    /**
     * The latest acknowledged batches, oldest first: what a summary may not hold yet, so the
     * options page reads only those visits (stats/summary-candidates.ts).
     */
    recentAcks?: RecentAck[];
  }
}

/** An acknowledged batch: how it compares with a summary's watermark, and its visits' starts. */
export interface RecentAck {
  /** When this browser got the answer (its clock). */
  at: number;
  receivedAt?: number;
  seq?: number;
  /** The earliest and latest startedMs of the visits it acknowledged. */
  fromMs: number;
  toMs: number;
}

/** Marks visits acknowledged by the server (`ack`: by one that said when it received them). */
export function markSent(
  db: TracksphereDb,
  ids: readonly string[],
  at: number,
  ack?: BatchAck,
): Promise<number> {
  if (ack === undefined) {
    return updatePending(db, ids, (v) => ({ ...v, syncState: 'sent', sentAt: at }));
  }
  const earlier = ack.unanswered.map((u) => ({ batchId: u.batchId, ids: new Set(u.eventIds) }));
  return updatePending(db, ids, (v) => ({
    ...v,
    syncState: 'sent',
    sentAt: at,
    ackedAt: ack.receivedAt,
    ...(ack.seq === undefined ? {} : { ackSeq: ack.seq }),
    ackBatches: [ack.batchId, ...earlier.filter((u) => u.ids.has(v.id)).map((u) => u.batchId)],
  }));
}

export interface Rejection {
  id: string;
  code: string;
  reason: string;
}

export function markRejected(db: TracksphereDb, rejections: readonly Rejection[]): Promise<number> {
  const byId = new Map(rejections.map((r) => [r.id, r]));
  return updatePending(db, [...byId.keys()], (v) => {
    const r = byId.get(v.id);
    return r === undefined
      ? v
      : { ...v, syncState: 'rejected', rejectCode: r.code, rejectReason: r.reason };
  });
}

/**
 * Puts visits recorded while sync was off into the outbox. Never called
 * implicitly: turning sync on uploads from then on, and sending older history
 * needs the person's own, explicit choice.
 */
export function queueLocalVisits(db: TracksphereDb): Promise<number> {
  return db.visits.where('syncState').equals('local').modify({ syncState: 'pending' });
}

/**
 * Applies the server's answer to one batch in one transaction, with `meta`'s change to the sync
 * state (the batch among the recent acknowledgements): a reader of both (summary-candidates.ts)
 * never sees the visits sent and the batch that sent them not yet remembered, and a worker
 * stopped in between cannot leave them so.
 */
export function settleBatch(
  db: TracksphereDb,
  settled: {
    sentIds: readonly string[];
    rejections: readonly Rejection[];
    at: number;
    ack?: BatchAck;
    meta?: Partial<SyncMeta>;
  },
): Promise<{ sent: number; rejected: number }> {
  return db.transaction('rw', db.visits, db.meta, async () => {
    const sent = await markSent(db, settled.sentIds, settled.at, settled.ack);
    const rejected = await markRejected(db, settled.rejections);
    if (settled.meta !== undefined) await updateSyncMeta(db, settled.meta);
    return { sent, rejected };
  });
}
