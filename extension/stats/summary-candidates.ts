/**
 * Which of this browser's visits of a time range a summary may lack, read without the rest:
 * those not acknowledged (pending, local, rejected: few, from the [syncState+startedMs] index)
 * and those of the acknowledged batches the summary's watermark has not reached
 * (SyncMeta.recentAcks, each with the starts of its visits). Reading every visit of a year to
 * keep a handful took seconds. missingFromSummary still decides for each visit read.
 */
import {
  getSyncMeta,
  type RecentAck,
  type StoredVisit,
  type SyncState,
  type TimeRange,
  type TracksphereDb,
  visitsStartedIn,
} from '../db/index.js';
import type { SummaryMark } from './all-browsers.js';

const UNACKNOWLEDGED: readonly SyncState[] = ['pending', 'local', 'rejected'];

/** Whether the summary holds an acknowledged batch, judged as missingFromSummary judges its visits. */
export function ackApplied(ack: RecentAck, mark: SummaryMark | number): boolean {
  const m = typeof mark === 'number' ? { fetchedAt: mark } : mark;
  if (typeof m.appliedSeq === 'number' && ack.seq !== undefined) return ack.seq <= m.appliedSeq;
  if (m.appliedThrough !== undefined && ack.receivedAt !== undefined) {
    return m.appliedThrough !== null && ack.receivedAt <= m.appliedThrough;
  }
  return ack.at <= m.fetchedAt;
}

/**
 * The visits started in `range` the summary (`mark`) may lack: a superset of those it lacks.
 * All of the range's visits when the remembered batches do not reach back to one the summary
 * holds (then an older one may be missing too, and which visits it carried is not known).
 */
export function summaryCandidates(
  db: TracksphereDb,
  range: TimeRange,
  mark: SummaryMark | number,
): Promise<StoredVisit[]> {
  // One snapshot of the remembered batches and the visits: a sync settling in between would
  // leave its visits neither unacknowledged nor in a remembered batch read before it.
  return db.transaction('r', db.visits, db.meta, () => candidatesIn(db, range, mark));
}

async function candidatesIn(
  db: TracksphereDb,
  range: TimeRange,
  mark: SummaryMark | number,
): Promise<StoredVisit[]> {
  const acks = (await getSyncMeta(db)).recentAcks ?? [];
  const firstMissing = acks.findIndex((ack) => !ackApplied(ack, mark));
  const missing = firstMissing === -1 ? [] : acks.slice(firstMissing);
  // Batches are applied in the order they were sent: with one applied before the first missing,
  // every older batch is applied too.
  if (firstMissing === 0 || (acks.length === 0 && !(await nothingSent(db)))) {
    return visitsStartedIn(db, range);
  }
  const byState = (state: SyncState, fromMs: number, toMs: number) =>
    db.visits
      .where('[syncState+startedMs]')
      .between([state, fromMs], [state, toMs], true, false)
      .toArray();
  const reads = UNACKNOWLEDGED.map((state) => byState(state, range.fromMs, range.toMs));
  for (const ack of missing) {
    const fromMs = Math.max(range.fromMs, ack.fromMs);
    const toMs = Math.min(range.toMs, ack.toMs + 1);
    if (fromMs < toMs) reads.push(byState('sent', fromMs, toMs));
  }
  const seen = new Map<string, StoredVisit>();
  for (const visit of (await Promise.all(reads)).flat()) seen.set(visit.id, visit);
  return [...seen.values()];
}

/** Whether no visit was ever acknowledged (then there is nothing sent to read). */
async function nothingSent(db: TracksphereDb): Promise<boolean> {
  return (
    (await db.visits
      .where('[syncState+startedMs]')
      .between(['sent', -Infinity], ['sent', Infinity])
      .first()) === undefined
  );
}
