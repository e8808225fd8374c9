import { pendingCount } from './outbox-repo.js';
import type { SyncError, TracksphereDb } from './schema.js';
import { getSyncMeta } from './sync-meta-repo.js';

/** What the popup shows about sync. Times are ms since the epoch. */
export interface SyncStatus {
  lastSuccessAt: number | null;
  lastAttemptAt: number | null;
  pendingCount: number;
  lastError: SyncError | null;
  blocked: boolean;
  nextAttemptAt: number | null;
}

export async function getSyncStatus(db: TracksphereDb): Promise<SyncStatus> {
  const [meta, pending] = await Promise.all([getSyncMeta(db), pendingCount(db)]);
  return {
    lastSuccessAt: meta.lastSuccessAt,
    lastAttemptAt: meta.lastAttemptAt,
    pendingCount: pending,
    lastError: meta.lastError,
    blocked: meta.blocked,
    nextAttemptAt: meta.nextAttemptAt,
  };
}

/**
 * A backlog this large is worth sending before the next periodic alarm: a fifth
 * of a batch keeps requests few while the outbox stays small. syncOnce itself
 * still waits out any backoff, so calling it on this signal is always safe.
 */
export const SYNC_SOON_THRESHOLD = 100;

export function shouldSyncSoon(pending: number, threshold: number = SYNC_SOON_THRESHOLD): boolean {
  return pending >= threshold;
}
