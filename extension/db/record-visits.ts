import equal from 'fast-deep-equal';
import type { VisitEvent } from '#protocol';
import type { DayOf } from './day.js';
import { addSumsIn, sumsThrough } from './month-rollups.js';
import { RECORDED_ROLLUPS, type RecordedRollup, SUMMED_ROLLUPS } from './recorded-rollups.js';
import { addTailPagesIn } from './tail-pages.js';
import { addTailSumsIn, type TailWindow, tailSums } from './tail-rollups.js';

/**
 * The range windows (tail-rollups.ts) and their pages (tail-pages.ts), and the month rollups and
 * day sums (month-rollups.ts): the windows' store is read with every visit (it holds the sums'
 * last day too), the others written when a visit's day is in a window or the sums.
 */
const TAIL_STORES = ['tailRollups', 'tailPages', ...SUMMED_ROLLUPS.map((k) => k.store)];

/**
 * The latest last day of the tailWindows rows (windows' and sums') as this connection last read
 * them. A visit on a later day (today's) writes none of TAIL_STORES, so its transaction leaves
 * them out of its scope; its windows' read checks that, and a visit on a day a window holds after
 * all (another writer moved it meanwhile) aborts that transaction and is recorded again with them.
 */
const lastThroughs = new WeakMap<IDBDatabase, string>();
/** Thrown inside a transaction opened without TAIL_STORES that turns out to need them. */
class NeedsTailStores extends Error {}

import type { StoredVisit, TrackerStateRow, TracksphereDb } from './schema.js';

export interface RecordOptions {
  /** Sync on: the visits go to the outbox. Off: they stay 'local' and never leave the browser. */
  syncEnabled: boolean;
  dayOf: DayOf;
  /**
   * The tracker's state, put in the same transaction: it lands with the visits it finished or
   * not at all. Given with no visits, the transaction holds that one put.
   */
  trackerState?: TrackerStateRow;
}

function startedMsOf(visit: VisitEvent): number {
  const ms = Date.parse(visit.startedAt);
  // An invalid time would make IndexedDB throw and abort the whole transaction, losing
  // the good visits with it; 0 keeps the record (the server will name it invalid).
  return Number.isFinite(ms) ? ms : 0;
}

/** The open connection under Dexie, opened (or reopened after a version change) if need be. */
async function backend(db: TracksphereDb): Promise<IDBDatabase> {
  if (!db.isOpen()) await db.open();
  return db.backendDB();
}

/** A rollup row the transaction touches, and what happens to it. */
interface TouchedRow {
  kind: RecordedRollup<unknown>;
  key: string | string[];
  /** Where it stands in the cache. */
  id: string;
  /** The visits (indexes into the transaction's) that go into it. */
  visits: number[];
  /** The row as this transaction found it (once read). */
  before?: unknown;
  /** The row put before the read answered, from the cache: the guess checked against it. */
  guessedFrom?: unknown;
  /** The row as this transaction leaves it; undefined: none. */
  after?: unknown;
}

/**
 * The rollup rows this page or worker last wrote, as it wrote them: the transaction puts a row
 * built on these before its read of that row has answered (one round trip where there were
 * two), and checks them against the read. Never changed in place. Bounded: the background
 * touches a few rows per visit (its day, its host's day), and a miss costs a round trip only.
 */
const ROW_CACHE_SIZE = 256;
const rowCaches = new WeakMap<TracksphereDb, Map<string, unknown>>();

function rowCacheOf(db: TracksphereDb): Map<string, unknown> {
  let cache = rowCaches.get(db);
  if (cache === undefined) {
    cache = new Map();
    rowCaches.set(db, cache);
  }
  return cache;
}

function remember(cache: Map<string, unknown>, id: string, row: unknown): void {
  cache.delete(id);
  if (row === undefined) return;
  cache.set(id, row);
  if (cache.size > ROW_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
}

/** `from` (or the kind's empty row) with `visits` added, as a new row. */
function built(
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

/**
 * Stores finished visits and adds them to the rollups of recorded-rollups.ts (the daily
 * per-domain rollups, the heatmap's and the pages'), in one transaction, so stats never
 * disagree with the visits. Idempotent on visit id: a visit already stored (the background
 * retrying after a worker kill) is neither overwritten nor counted again.
 *
 * The background records one visit per event, so this is its hot path (bench/extension.ts),
 * and it talks to IndexedDB directly, under Dexie: in one batch, it reads the rollup rows the
 * visits go into, adds the visits (add, not put: an id already stored fails alone, and that
 * failure is how a retry is recognised), and puts each row it holds in its cache (what it
 * last wrote) with the visits added. Once all have answered, a row read equal to the cached
 * one, with every visit fresh, was right; any other row (not cached, changed by another
 * writer: an erase, an import, retention, another page; a visit already stored) is put again,
 * built from the row read and the fresh visits only. Requests run in order within the
 * transaction, so each read sees the row as it was before it, and nothing commits before the
 * last answer: the figures are exact whatever the cache holds. With every row cached, the
 * transaction is one round trip, as a bare one is; otherwise two. A visit on a day after every
 * range window's (today's) leaves the windows' and sums' stores out of the transaction's scope
 * (`lastThroughs` above).
 * Being its own transaction, it must not be awaited inside a Dexie transaction on the same
 * tables (the two would wait for each other).
 *
 * Durability 'relaxed' (Chromium's default since 121, and Firefox's): the
 * transaction completes once the browser has handed the write to the operating
 * system, not after an fsync. A killed browser, tab or service worker loses
 * nothing that completed; only an operating-system crash or power loss within
 * the system's write-back delay can lose the last visits (and the tracker's
 * state written with them).
 */
export async function recordFinishedVisits(
  db: TracksphereDb,
  visits: VisitEvent[],
  opts: RecordOptions,
): Promise<void> {
  const state = opts.trackerState;
  if (visits.length === 0 && state === undefined) return;
  const syncState = opts.syncEnabled ? 'pending' : 'local';
  const unique: StoredVisit[] = [...new Map(visits.map((v) => [v.id, v])).values()].map(
    (visit) => ({ ...visit, startedMs: startedMsOf(visit), syncState }),
  );
  const days = unique.map((v) => opts.dayOf(v.startedMs));
  const rows = new Map<string, TouchedRow>();
  unique.forEach((visit, i) => {
    for (const kind of RECORDED_ROLLUPS) {
      const key = kind.keyOf(visit, days[i] as string);
      const id = `${kind.store}\u0000${Array.isArray(key) ? key.join('\u0000') : key}`;
      const row: TouchedRow = rows.get(id) ?? { kind, key, id, visits: [] };
      row.visits.push(i);
      rows.set(id, row);
    }
  });
  const cache = rowCacheOf(db);
  // Open already (the usual case): no await, so the transaction starts in this task.
  const idb = db.isOpen() ? db.backendDB() : await backend(db);
  const known = lastThroughs.get(idb);
  const attempt = (narrow: boolean): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      for (const row of rows.values()) {
        row.before = undefined;
        row.guessedFrom = undefined;
        row.after = undefined;
      }
      // A state-only save leaves the visit stores out of its scope: it need not wait for readers.
      const scope =
        unique.length > 0 ? ['visits', ...RECORDED_ROLLUPS.map((k) => k.store), 'tailWindows'] : [];
      if (unique.length > 0 && !narrow) scope.push(...TAIL_STORES);
      if (state !== undefined) scope.push('trackerState');
      const tx = idb.transaction(scope, 'readwrite', { durability: 'relaxed' });
      let failure: unknown;
      tx.oncomplete = () => {
        for (const row of rows.values()) remember(cache, row.id, row.after);
        resolve();
      };
      tx.onabort = () => {
        // Whether any of it landed elsewhere is unknown: the rows are read again next time.
        for (const row of rows.values()) cache.delete(row.id);
        reject(failure ?? tx.error ?? new Error('visit transaction aborted'));
      };
      const fail = (error: unknown): void => {
        failure ??= error;
        try {
          tx.abort();
        } catch {
          // Already finished or aborting: onabort reports `failure`.
        }
      };
      try {
        if (state !== undefined) tx.objectStore('trackerState').put(state);
        // Nothing more to ask (here; in `settle` without the windows' stores): the browser commits
        // once the requests are done, not once this page has dispatched the answers and asked.
        if (unique.length === 0) return tx.commit();
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
          // A range window holding a fresh visit's day (one started before its last midnight).
          const added = unique.flatMap((v, i) =>
            fresh[i]
              ? [{ day: days[i] as string, domain: v.domain, activeMs: v.activeMs, visits: 1 }]
              : [],
          );
          // Opened without them: the windows' read found every visit after their last days.
          if (narrow) tx.commit();
          else {
            addTailSumsIn(tx, tailSums(windows, added));
            addSumsIn(tx, sumsThrough(windows), added);
            const freshOnes = unique.flatMap((visit, i) =>
              fresh[i] ? [{ visit, day: days[i] as string }] : [],
            );
            addTailPagesIn(tx, windows, freshOnes);
          }
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
        const windowsRead = tx.objectStore('tailWindows').getAll();
        windowsRead.onsuccess = () => {
          windows = windowsRead.result as TailWindow[];
          const through = windows.reduce((m, w) => (w.through > m ? w.through : m), '');
          lastThroughs.set(idb, through);
          if (narrow && days.some((day) => day <= through)) {
            fail(new NeedsTailStores());
            return;
          }
          answered();
        };
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
        // The guesses: each cached row with every visit added, put now.
        for (const row of rows.values()) {
          const cached = cache.get(row.id);
          if (cached === undefined) continue;
          row.guessedFrom = cached;
          row.after = built(row, cached, unique, days, () => true);
          tx.objectStore(row.kind.store).put(row.after);
        }
      } catch (error) {
        fail(error);
      }
    });
  const narrow = known !== undefined && unique.length > 0 && days.every((day) => day > known);
  try {
    await attempt(narrow);
  } catch (error) {
    if (!(error instanceof NeedsTailStores)) throw error;
    await attempt(false);
  }
}
