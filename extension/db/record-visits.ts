import type { VisitEvent } from '#protocol';
import type { DayOf } from './day.js';
import {
  AlreadyStored,
  type Batch,
  built,
  type Mode,
  NeedsTailStores,
  readWindows,
  recordChecked,
  StaleMemory,
  type TouchedRow,
} from './record-visits-checked.js';
import {
  forget,
  MARKER_KEY,
  MARKER_STORE,
  type Marker,
  memoryOf,
  type RecorderMemory,
  remember,
} from './record-visits-memory.js';
import { RECORDED_ROLLUPS, SUMMED_ROLLUPS } from './recorded-rollups.js';
import type { StoredVisit, TrackerStateRow, TracksphereDb } from './schema.js';

/**
 * The range windows (tail-rollups.ts) and their pages (tail-pages.ts), and the month rollups and
 * day sums (month-rollups.ts): the windows' store is read with every visit (it holds the sums'
 * last day too), the others written when a visit's day is in a window or the sums.
 */
const TAIL_STORES = ['tailRollups', 'tailPages', ...SUMMED_ROLLUPS.map((k) => k.store)];

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

/**
 * Stores finished visits and adds them to the rollups of recorded-rollups.ts (the daily
 * per-domain rollups, the heatmap's and the pages'), in one transaction, so stats never
 * disagree with the visits. Idempotent on visit id: a visit already stored (the background
 * retrying after a worker kill) is neither overwritten nor counted again.
 *
 * The background records one visit per event, so this is its hot path (bench/extension.ts),
 * and it talks to IndexedDB directly, under Dexie. It holds the rows it last wrote
 * (record-visits-memory.ts). When the change marker held its token at its last transaction
 * (no other writer since, unless this one's marker read says otherwise) and the visits' days are
 * after every range window's, the transaction reads the marker and the windows, adds the visits
 * (add, not put: an id already stored fails, which is how a retry is recognised) and puts each
 * held row with the visits added without reading it (a row not held is read, then put): two reads
 * where there were four. A marker changed, a visit already stored or a visit on a day a window
 * holds aborts it, and the visits are recorded again the other way.
 * Otherwise, in one batch, it reads the marker, the windows and the rollup rows, adds the
 * visits, and puts each held row with the visits added; once all have answered, a row read equal
 * to the held one, with every visit fresh, was right; any other row is put again, built from the
 * row read and the fresh visits only, and the marker takes its token. Requests run in order
 * within the transaction, so each read sees the row as it was before it, and nothing commits
 * before the last answer: the figures are exact whatever the memory holds. A visit on a day after
 * every range window's (today's) leaves the windows' and sums' stores out of the transaction's
 * scope; one on a day a window holds after all aborts it and is recorded again with them.
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
  // Open already (the usual case): no await, so the transaction starts in this task.
  const idb = db.isOpen() ? db.backendDB() : await backend(db);
  const memory = memoryOf(idb);
  const batch: Batch = { unique, days, rows, state };
  const after = (through: string | undefined): boolean =>
    through !== undefined && days.every((day) => day > through);
  let mode: Mode = !after(memory.through) ? 'wide' : 'narrow';
  // Alone in flight: a transaction of this memory not yet complete would make its rows stale.
  if (mode === 'narrow' && memory.claimed && memory.busy === 0 && unique.length > 0) {
    mode = 'trusted';
  }
  for (;;) {
    try {
      await attempt(idb, memory, batch, mode);
      return;
    } catch (error) {
      if (error instanceof StaleMemory) forget(memory);
      else if (!(error instanceof NeedsTailStores || error instanceof AlreadyStored)) throw error;
      mode = after(memory.through) && !(error instanceof NeedsTailStores) ? 'narrow' : 'wide';
    }
  }
}

/** One transaction of a recording, in `mode`; rejects with what the caller retries on. */
function attempt(idb: IDBDatabase, memory: RecorderMemory, batch: Batch, mode: Mode) {
  const { unique, days, rows, state } = batch;
  return new Promise<void>((resolve, reject) => {
    for (const row of rows.values()) {
      row.before = undefined;
      row.guessedFrom = undefined;
      row.after = undefined;
    }
    const recording = unique.length > 0;
    // A state-only save leaves the visit stores out of its scope: it need not wait for readers.
    const scope = recording ? ['visits', ...RECORDED_ROLLUPS.map((k) => k.store)] : [];
    if (recording) scope.push('tailWindows');
    if (mode === 'wide') scope.push(...TAIL_STORES);
    if (state !== undefined || recording) scope.push(MARKER_STORE);
    const tx = idb.transaction(scope, 'readwrite', { durability: 'relaxed' });
    let failure: unknown;
    /** Whether the marker held this memory's token when read (a recording that is not trusted). */
    let own = true;
    if (recording) memory.busy += 1;
    tx.oncomplete = () => {
      if (recording) memory.busy -= 1;
      // Another writer's marker: what was held from before may be stale; this one's rows are not.
      if (!own) memory.rows.clear();
      if (recording) memory.claimed = true;
      for (const row of rows.values()) remember(memory, row.id, row.after);
      resolve();
    };
    tx.onabort = () => {
      if (recording) memory.busy -= 1;
      // Whether any of it landed elsewhere is unknown: the rows are read again next time.
      for (const row of rows.values()) memory.rows.delete(row.id);
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
      const markers = recording ? tx.objectStore(MARKER_STORE) : undefined;
      if (markers !== undefined) {
        const read = markers.get(MARKER_KEY);
        read.onsuccess = () => {
          own = (read.result as Marker | undefined)?.token === memory.token;
          if (own) return;
          if (mode === 'trusted') fail(new StaleMemory());
          else markers.put({ key: MARKER_KEY, token: memory.token } satisfies Marker);
        };
      }
      if (state !== undefined) tx.objectStore('trackerState').put(state);
      if (!recording) return;
      if (mode === 'trusted') {
        readWindows(tx, memory, days, mode, fail, () => undefined);
        const visitStore = tx.objectStore('visits');
        for (const visit of unique) {
          const request = visitStore.add(visit);
          request.onerror = () => {
            if (request.error?.name === 'ConstraintError') fail(new AlreadyStored());
          };
        }
        for (const row of rows.values()) {
          const store = tx.objectStore(row.kind.store);
          const held = memory.rows.get(row.id);
          if (held !== undefined) {
            row.after = built(row, held, unique, days, () => true);
            store.put(row.after);
            continue;
          }
          // Not held (a host's first visit of the day, say): read, then put.
          const read = store.get(row.key);
          read.onsuccess = () => {
            row.after = built(row, read.result, unique, days, () => true);
            store.put(row.after);
          };
        }
        return;
      }
      recordChecked(tx, memory, batch, mode, fail);
    } catch (error) {
      fail(error);
    }
  });
}
