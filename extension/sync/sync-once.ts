/**
 * One sync run: sends the outbox oldest first, in batches within the contract's
 * limits, until it is empty, the request budget is spent, or a failure schedules
 * a retry. All its state lives in the db (the MV3 worker may die at any await),
 * and every browser API comes in through `deps`.
 */
import { v7 as uuidv7 } from 'uuid';
import type { IngestResult } from '#protocol';
import {
  type BatchAck,
  getSyncMeta,
  markRejected,
  oldestPending,
  pendingCount,
  type RecentAck,
  type Rejection,
  type StoredVisit,
  type SyncMeta,
  settleBatch,
  type TracksphereDb,
  updateSyncMeta,
} from '../db/index.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs } from './backoff.js';
import { type Compressor, defaultCompressor } from './gzip.js';
import type { ApiError, FetchLike } from './http.js';
import { type PostBatchDeps, postBatch } from './post-batch.js';
import { type BatchLimits, CONTRACT_LIMITS, encodeBatchBody, packEvents } from './wire-batch.js';

export interface SyncTarget {
  baseUrl: string;
  token: string;
}

export interface SyncDeps {
  db: TracksphereDb;
  config: SyncTarget;
  fetch: FetchLike;
  now(): number;
  /** Uniform in [0, 1): the backoff jitter. */
  random(): number;
  /** UUID v7 by default. */
  newBatchId?: () => string;
  /** Default: gzip through CompressionStream when the runtime has it; null sends plain JSON. */
  compress?: Compressor | null;
  retryPolicy?: RetryPolicy;
  limits?: BatchLimits;
  /** Requests per run, splits included: a long backlog continues in the next run. */
  maxRequests?: number;
  timeoutMs?: number;
  /** Stops the run between and during requests; the attempt is not counted as a failure. */
  signal?: AbortSignal;
}

export interface SyncOptions {
  /** "Sync now": ignore the backoff wait (never a 401/403 block). */
  force?: boolean;
}

export type SyncRunStatus =
  /** The outbox is empty. */
  | 'up_to_date'
  /** The request budget ran out with visits still pending: run again soon. */
  | 'backlog_left'
  /** Backing off: nextAttemptAt is still in the future. Nothing was sent. */
  | 'deferred'
  /** A request failed; nextAttemptAt says when to try again. */
  | 'retry_scheduled'
  /** 401/403: nothing is sent until the device registers again (clearSyncBlock). */
  | 'blocked'
  /** The caller's signal stopped the run. */
  | 'aborted';

export interface SyncRunResult {
  status: SyncRunStatus;
  /** Visits the server acknowledged in this run. */
  sent: number;
  /** Visits marked rejected in this run. */
  rejected: number;
  requests: number;
  nextAttemptAt: number | null;
}

export const DEFAULT_MAX_REQUESTS = 20;

/** Unanswered batches remembered (StoredVisit.ackBatches): a run of lost answers is short. */
const MAX_UNANSWERED = 8;

/**
 * Acknowledged batches remembered (SyncMeta.recentAcks): more than a consumer's usual lag, so
 * the options page reads only the visits a summary may lack; beyond it, all of the range.
 */
const MAX_RECENT_ACKS = 64;

function recentAck(visits: readonly StoredVisit[], result: IngestResult, at: number): RecentAck {
  const starts = visits.map((v) => v.startedMs);
  const receivedAt = result.receivedAt === undefined ? Number.NaN : Date.parse(result.receivedAt);
  return {
    at,
    ...(Number.isNaN(receivedAt) ? {} : { receivedAt }),
    ...(result.seq === undefined ? {} : { seq: result.seq }),
    fromMs: Math.min(...starts),
    toMs: Math.max(...starts),
  };
}

/** One run per database at a time: the alarm and "sync now" must not send the same events twice. */
const running = new WeakMap<TracksphereDb, Promise<SyncRunResult>>();

export function syncOnce(deps: SyncDeps, opts: SyncOptions = {}): Promise<SyncRunResult> {
  const current = running.get(deps.db);
  if (current !== undefined) return current;
  const run = runSync(deps, opts).finally(() => running.delete(deps.db));
  running.set(deps.db, run);
  return run;
}

function sameIds(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((id, i) => id === b[i]);
}

function errorAt(error: ApiError, at: number): NonNullable<SyncMeta['lastError']> {
  return { code: error.code, message: error.message, at };
}

/** Everything not listed as rejected is stored (API.md); rejected events are never resent. */
function settleAccepted(
  db: TracksphereDb,
  visits: readonly StoredVisit[],
  result: IngestResult,
  at: number,
  batch: Omit<BatchAck, 'receivedAt' | 'seq'>,
  meta: Partial<SyncMeta>,
): Promise<{ sent: number; rejected: number }> {
  const byIndex = new Map(result.rejected.map((r) => [r.index, r]));
  const sentIds: string[] = [];
  const rejections: Rejection[] = [];
  visits.forEach((v, i) => {
    const r = byIndex.get(i);
    if (r === undefined) sentIds.push(v.id);
    else rejections.push({ id: v.id, code: r.code, reason: r.message });
  });
  // The server's receivedAt places the batch among this browser's: the summary's watermark
  // tells which acknowledged visits it holds (stats/all-browsers.ts).
  // Its echoed seq (a server that orders by it) places it by this browser's own numbering.
  const receivedAt = result.receivedAt === undefined ? Number.NaN : Date.parse(result.receivedAt);
  const seq = result.seq === undefined ? {} : { seq: result.seq };
  return settleBatch(db, {
    sentIds,
    rejections,
    at,
    ...(Number.isNaN(receivedAt) ? {} : { ack: { ...batch, receivedAt, ...seq } }),
    meta,
  });
}

async function runSync(deps: SyncDeps, opts: SyncOptions): Promise<SyncRunResult> {
  const { db } = deps;
  const tally = { sent: 0, rejected: 0, requests: 0 };
  const finish = (status: SyncRunStatus, nextAttemptAt: number | null = null): SyncRunResult => ({
    status,
    ...tally,
    nextAttemptAt,
  });

  const meta = await getSyncMeta(db);
  if (meta.blocked) return finish('blocked');
  if (opts.force !== true && meta.nextAttemptAt !== null && meta.nextAttemptAt > deps.now()) {
    return finish('deferred', meta.nextAttemptAt);
  }

  const post: PostBatchDeps = {
    fetch: deps.fetch,
    baseUrl: deps.config.baseUrl,
    token: deps.config.token,
    compress: deps.compress === undefined ? defaultCompressor() : deps.compress,
    now: deps.now,
    ...(deps.timeoutMs === undefined ? {} : { timeoutMs: deps.timeoutMs }),
    ...(deps.signal === undefined ? {} : { signal: deps.signal }),
  };
  const limits = deps.limits ?? CONTRACT_LIMITS;
  const newBatchId = deps.newBatchId ?? uuidv7;
  let { attempt, inFlight } = meta;
  let unanswered = meta.unanswered ?? [];
  let batchSeq = meta.batchSeq ?? 0;
  let recentAcks = meta.recentAcks ?? [];
  /** Halves of refused batches, sent before anything new (a stack: the first half on top). */
  const refused: StoredVisit[][] = [];

  while (tally.requests < (deps.maxRequests ?? DEFAULT_MAX_REQUESTS)) {
    if (deps.signal?.aborted === true) return finish('aborted', meta.nextAttemptAt);
    const candidates = refused.pop() ?? (await oldestPending(db, limits.maxEvents));
    if (candidates.length === 0) return finish('up_to_date');
    const { visits, parts } = packEvents(candidates, limits);
    const ids = visits.map((v) => v.id);
    // Same events as the unanswered request: same batch id, so the server's log reads
    // as one batch retried. Resending is harmless either way (idempotent on event id).
    const retry = inFlight !== null && sameIds(inFlight.eventIds, ids);
    const batchId = retry && inFlight !== null ? inFlight.batchId : newBatchId();
    if (inFlight !== null && inFlight.batchId !== batchId) {
      // Unanswered, and not sent again as it was: the server may have stored it.
      unanswered = [...unanswered, inFlight].slice(-MAX_UNANSWERED);
    }
    inFlight = { batchId, eventIds: ids };
    const sentAt = deps.now();
    // A new batch's number is above every earlier one's; from the clock at least, so a browser
    // whose sync state was lost still numbers above what it sent before (unless its clock went
    // back). A retry keeps its number, as it keeps its id.
    const seq = retry && batchSeq > 0 ? batchSeq : Math.max(batchSeq + 1, Math.floor(sentAt));
    batchSeq = seq;
    await updateSyncMeta(db, { lastAttemptAt: sentAt, inFlight, unanswered, batchSeq });
    tally.requests += 1;
    const outcome = await postBatch(
      post,
      encodeBatchBody(batchId, new Date(sentAt).toISOString(), parts),
      seq,
    );

    switch (outcome.kind) {
      case 'accepted': {
        const answeredAt = deps.now();
        recentAcks = [...recentAcks, recentAck(visits, outcome.result, answeredAt)].slice(
          -MAX_RECENT_ACKS,
        );
        const settled = await settleAccepted(
          db,
          visits,
          outcome.result,
          answeredAt,
          { batchId, unanswered },
          { recentAcks },
        );
        tally.sent += settled.sent;
        tally.rejected += settled.rejected;
        attempt = 0;
        inFlight = null;
        // The events answered now are never sent again: the earlier batches keep the others.
        const answered = new Set(ids);
        unanswered = unanswered
          .map((u) => ({ ...u, eventIds: u.eventIds.filter((id) => !answered.has(id)) }))
          .filter((u) => u.eventIds.length > 0);
        await updateSyncMeta(db, {
          attempt,
          nextAttemptAt: null,
          lastSuccessAt: deps.now(),
          lastError: null,
          inFlight,
          unanswered,
        });
        break;
      }
      case 'refused': {
        // 400 invalid_batch / 413 mean this client built a bad envelope. Halving finds
        // the event that causes it without holding back the others; alone, it is
        // marked rejected with the server's message (kept locally, never resent).
        inFlight = null;
        if (visits.length > 1) {
          const mid = Math.ceil(visits.length / 2);
          refused.push(visits.slice(mid), visits.slice(0, mid));
        } else if (visits[0] !== undefined) {
          const { code, message } = outcome.error;
          tally.rejected += await markRejected(db, [{ id: visits[0].id, code, reason: message }]);
        }
        await updateSyncMeta(db, { inFlight, lastError: errorAt(outcome.error, deps.now()) });
        break;
      }
      case 'blocked': {
        await updateSyncMeta(db, {
          blocked: true,
          nextAttemptAt: null,
          lastError: errorAt(outcome.error, deps.now()),
        });
        return finish('blocked');
      }
      case 'retry': {
        if (outcome.error.code === 'aborted') return finish('aborted', meta.nextAttemptAt);
        attempt += 1;
        const policy = deps.retryPolicy ?? DEFAULT_RETRY_POLICY;
        const now = deps.now();
        const nextAttemptAt =
          now + retryDelayMs(attempt, deps.random, outcome.retryAfterMs, policy);
        await updateSyncMeta(db, {
          attempt,
          nextAttemptAt,
          lastError: errorAt(outcome.error, now),
        });
        return finish('retry_scheduled', nextAttemptAt);
      }
    }
  }
  return finish((await pendingCount(db)) > 0 ? 'backlog_left' : 'up_to_date');
}
