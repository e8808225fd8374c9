import equal from 'fast-deep-equal';
import { addSumsIn, sumsThrough } from './month-rollups.js';
import type { RecorderMemory } from './record-visits-memory.js';
import type { RecordedRollup } from './recorded-rollups.js';
import type { StoredVisit, TrackerStateRow } from './schema.js';
import { addTailPagesIn } from './tail-pages.js';
import { addTailSumsIn, type TailWindow, tailSums } from './tail-rollups.js';

/**
 * A recording's parts that read what they write (record-visits.ts): the first recording on a
 * connection, and any the change marker or the memory cannot vouch for.
 */

/** Thrown inside a transaction opened without the windows' stores that turns out to need them. */
export class NeedsTailStores extends Error {}
/** Thrown inside a trusted transaction when the marker says the memory may be stale. */
export class StaleMemory extends Error {}
/** Thrown inside a trusted transaction when a visit is stored already (a retry). */
export class AlreadyStored extends Error {}

/** A rollup row the transaction touches, and what happens to it. */
export interface TouchedRow {
  kind: RecordedRollup<unknown>;
  key: string | string[];
  /** Where it stands in the memory. */
  id: string;
  /** The visits (indexes into the transaction's) that go into it. */
  visits: number[];
  /** The row as this transaction found it (once read). */
  before?: unknown;
  /** The row put before the read answered, from the memory: the guess checked against it. */
  guessedFrom?: unknown;
  /** The row as this transaction leaves it; undefined: none. */
  after?: unknown;
}

/** `from` (or the kind's empty row) with `visits` added, as a new row. */
export function built(
  row: TouchedRow,
  from: unknown,
  unique: readonly StoredVisit[],
  days: readonly string[],
  include: (i: number) => boolean,
): unknown {
  let out: unknown;
  for (const i of row.visits) {
    if (!include(i)) continue;
    const visit = unique[i] as StoredVisit;
    out ??= from === undefined ? row.kind.empty(visit, days[i] as string) : structuredClone(from);
    row.kind.add(out, visit);
  }
  return out ?? from;
}

/** How a transaction treats what the recorder holds. */
export type Mode =
  /**
   * The marker says no other writer came since: the held rows put without a read, the others
   * read and put, the windows' stores out of the scope (their store read).
   */
  | 'trusted'
  /** The rows read (and the held ones put meanwhile, checked), the windows' stores left out. */
  | 'narrow'
  /** As narrow, with the windows' stores. */
  | 'wide';

export interface Batch {
  unique: StoredVisit[];
  days: string[];
  rows: Map<string, TouchedRow>;
  state: TrackerStateRow | undefined;
}

/**
 * Reads the windows (tailWindows) and keeps their latest last day in `memory`; a transaction
 * opened without their stores (not wide) fails with NeedsTailStores when a visit's day is in one.
 */
export function readWindows(
  tx: IDBTransaction,
  memory: RecorderMemory,
  days: readonly string[],
  mode: Mode,
  fail: (error: unknown) => void,
  then: (windows: TailWindow[]) => void,
): void {
  const read = tx.objectStore('tailWindows').getAll();
  read.onsuccess = () => {
    const windows = read.result as TailWindow[];
    const through = windows.reduce((m, w) => (w.through > m ? w.through : m), '');
    memory.through = through;
    if (mode !== 'wide' && days.some((day) => day <= through)) fail(new NeedsTailStores());
    else then(windows);
  };
}

/** A narrow or wide recording's requests: every row read, the held ones guessed and checked. */
export function recordChecked(
  tx: IDBTransaction,
  memory: RecorderMemory,
  batch: Batch,
  mode: Mode,
  fail: (error: unknown) => void,
): void {
  const { unique, days, rows } = batch;
  const fresh = unique.map(() => false);
  let waiting = unique.length + rows.size + 1;
  let windows: TailWindow[] = [];

  const settle = (): void => {
    const allFresh = fresh.every(Boolean);
    for (const row of rows.values()) {
      const guessRight =
        row.guessedFrom !== undefined && allFresh && equal(row.before, row.guessedFrom);
      if (guessRight) continue;
      row.after = built(row, row.before, unique, days, (i) => fresh[i] === true);
      const store = tx.objectStore(row.kind.store);
      if (row.after !== undefined) store.put(row.after);
      // Guessed wrong on a row that does not exist (its visits were all stored already).
      else if (row.guessedFrom !== undefined) store.delete(row.key);
    }
    // Opened without them: the windows' read found every visit after their last days.
    if (mode !== 'wide') return;
    // A range window holding a fresh visit's day (one started before its last midnight).
    const added = unique.flatMap((v, i) =>
      fresh[i]
        ? [{ day: days[i] as string, domain: v.domain, activeMs: v.activeMs, visits: 1 }]
        : [],
    );
    addTailSumsIn(tx, tailSums(windows, added));
    addSumsIn(tx, sumsThrough(windows), added);
    addTailPagesIn(
      tx,
      windows,
      unique.flatMap((visit, i) => (fresh[i] ? [{ visit, day: days[i] as string }] : [])),
    );
  };
  const answered = (): void => {
    waiting -= 1;
    if (waiting > 0) return;
    try {
      settle();
    } catch (error) {
      fail(error);
    }
  };

  // The reads first: requests run in order, so each sees the row before this transaction.
  readWindows(tx, memory, days, mode, fail, (read) => {
    windows = read;
    answered();
  });
  for (const row of rows.values()) {
    const request = tx.objectStore(row.kind.store).get(row.key);
    request.onsuccess = () => {
      row.before = request.result;
      answered();
    };
  }
  const visitStore = tx.objectStore('visits');
  unique.forEach((visit, i) => {
    const request = visitStore.add(visit);
    request.onsuccess = () => {
      fresh[i] = true;
      answered();
    };
    request.onerror = (event) => {
      // Any other error aborts the transaction (and rejects with it).
      if (request.error?.name !== 'ConstraintError') return;
      // Already stored: keep it as it is, and keep the transaction going.
      event.preventDefault();
      event.stopPropagation();
      answered();
    };
  });
  // The guesses: each held row with every visit added, put now.
  for (const row of rows.values()) {
    const held = memory.rows.get(row.id);
    if (held === undefined) continue;
    row.guessedFrom = held;
    row.after = built(row, held, unique, days, () => true);
    tx.objectStore(row.kind.store).put(row.after);
  }
}
