import { isUnavailableError } from './pool.js';
import type { VisitRecord, WriteResult } from './visit-record.js';

type Write = (records: VisitRecord[]) => Promise<WriteResult>;

interface Pending {
  records: VisitRecord[];
  resolve(result: WriteResult): void;
  reject(err: unknown): void;
}

export interface CombinerOptions {
  /** Writes in flight at once: two connections use two cores (DESIGN.md). */
  writers: number;
  /** Rows one combined write takes at most (a single caller may exceed it). */
  maxRows: number;
  /**
   * Writes wait for the end of the event loop's turn before they go, so the callers of one turn go
   * together even while a writer is free: the consumer's batches of the partitions of one fetch,
   * handed over at once, become one transaction instead of one each up to `writers`.
   */
  gather?: boolean;
  /**
   * With `gather`: queued rows from this many on are shared out over the free writers, a
   * caller's records kept whole, where they would go in one write. A wave of large batches
   * (100 events a request) is then stored by two PostgreSQL backends at once, one core each,
   * where one backend stored it alone; fewer rows stay one write (at one event a request a
   * wave is a few rows, and one statement costs PostgreSQL less than two).
   */
  splitRows?: number;
}

export const DEFAULT_COMBINER: CombinerOptions = { writers: 2, maxRows: 10_000 };

/** The consumer's: a turn's batches gathered, shared out over the writers from 1,000 rows. */
export const CONSUMER_COMBINER: CombinerOptions = {
  ...DEFAULT_COMBINER,
  gather: true,
  splitRows: 1_000,
};

const NOTHING: WriteResult = { inserted: 0, dropped: 0 };

/**
 * Wraps the idempotent writer so that callers arriving while `writers` writes
 * are in flight wait and go together in the next write: one transaction for
 * several API requests (embedded mode) or several partitions' Kafka batches
 * (consumer). Under load that saves PostgreSQL a transaction, a device lock
 * query and a commit flush per caller (small transactions, not rows, are
 * the cost); with no load a caller is written at once. Each caller's
 * promise settles only after the transaction holding its records committed.
 *
 * A combined write refused for its data is retried one caller at a time, so
 * one caller's bad data never fails another's; unavailability fails them all
 * (each waits and retries on its own). The counts of a combined write are
 * reported to its first caller and zero to the others, so totals stay right.
 */
export function combineWrites(write: Write, opts: CombinerOptions = DEFAULT_COMBINER): Write {
  const queue: Pending[] = [];
  let active = 0;
  let gathering = false;

  async function run(group: Pending[]): Promise<void> {
    const [first] = group;
    if (first === undefined) return;
    try {
      const records = group.length === 1 ? first.records : group.flatMap((p) => p.records);
      const result = await write(records);
      first.resolve(result);
      for (const p of group.slice(1)) p.resolve(NOTHING);
    } catch (err) {
      if (group.length === 1 || isUnavailableError(err)) {
        for (const p of group) p.reject(err);
        return;
      }
      for (const p of group) await write(p.records).then(p.resolve, p.reject);
    }
  }

  /** The rows one write takes now: maxRows, or the queue's share of a free writer. */
  function groupLimit(): number {
    const free = opts.writers - active;
    if (opts.gather !== true || opts.splitRows === undefined || free < 2 || queue.length < 2) {
      return opts.maxRows;
    }
    let queued = 0;
    for (const p of queue) queued += p.records.length;
    if (queued < opts.splitRows) return opts.maxRows;
    return Math.min(opts.maxRows, Math.ceil(queued / free));
  }

  function pump(): void {
    while (active < opts.writers && queue.length > 0) {
      const group: Pending[] = [];
      const limit = groupLimit();
      let rows = 0;
      for (let next = queue[0]; next !== undefined; next = queue[0]) {
        if (group.length > 0 && rows + next.records.length > limit) break;
        group.push(next);
        rows += next.records.length;
        queue.shift();
      }
      active += 1;
      void run(group).finally(() => {
        active -= 1;
        pump();
      });
    }
  }

  return (records: VisitRecord[]): Promise<WriteResult> => {
    if (records.length === 0) return Promise.resolve(NOTHING);
    return new Promise<WriteResult>((resolve, reject) => {
      queue.push({ records, resolve, reject });
      if (opts.gather !== true) {
        pump();
      } else if (!gathering) {
        gathering = true;
        setImmediate(() => {
          gathering = false;
          pump();
        });
      }
    });
  };
}
