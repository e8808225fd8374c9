import type { VisitEvent } from '#protocol';
import type { DayOf } from './day.js';
import type { DailyRollup, StoredVisit, TrackerStateRow, TracksphereDb } from './schema.js';
import {
  addToPages,
  applyHeat,
  emptyHeat,
  emptyPages,
  type HeatRollup,
  type PageRollup,
  pageKey,
} from './visit-rollups.js';

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

function rollupKey(day: string, domain: string): string {
  return `${day}\u0000${domain}`;
}

/** The open connection under Dexie, opened (or reopened after a version change) if need be. */
async function backend(db: TracksphereDb): Promise<IDBDatabase> {
  if (!db.isOpen()) await db.open();
  return db.backendDB();
}

/**
 * Stores finished visits and adds them to the daily per-domain rollups, and to the
 * heatmap's and the pages' rollups (visit-rollups.ts), in one transaction, so stats never
 * disagree with the visits. Idempotent on visit id:
 * a visit already stored (the background retrying after a worker kill) is
 * neither overwritten nor counted again.
 *
 * The background records one visit per event, so this is its hot path
 * (bench/extension.ts), and it talks to IndexedDB directly, under Dexie: one
 * transaction of two round trips (for one visit: its add and the three rollups'
 * reads, then the three rollups' writes). The visits are added
 * (add, not put: an id already stored fails alone, and that failure is how a
 * retry is recognised) while the rollups they touch are read; once all have
 * answered, the rollups get the fresh visits only. Dexie's version of the
 * same (bulkGet, bulkGet, bulkAdd, bulkPut in a Dexie transaction) reads every
 * visit first, which costs more per visit than it saves. Being its own
 * transaction, it must not be awaited inside a Dexie transaction on the same
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
  const row = opts.trackerState;
  if (visits.length === 0 && row === undefined) return;
  const syncState = opts.syncEnabled ? 'pending' : 'local';
  const unique: StoredVisit[] = [...new Map(visits.map((v) => [v.id, v])).values()].map(
    (visit) => ({ ...visit, startedMs: startedMsOf(visit), syncState }),
  );
  const idb = await backend(db);
  await new Promise<void>((resolve, reject) => {
    // A state-only save leaves the visit stores out of its scope: it need not wait for readers.
    const scope = unique.length > 0 ? ['visits', 'dailyRollups', 'heatRollups', 'pageRollups'] : [];
    if (row !== undefined) scope.push('trackerState');
    const tx = idb.transaction(scope, 'readwrite', { durability: 'relaxed' });
    let failure: unknown;
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(failure ?? tx.error ?? new Error('visit transaction aborted'));
    const fail = (error: unknown): void => {
      failure ??= error;
      try {
        tx.abort();
      } catch {
        // Already finished or aborting: onabort reports `failure`.
      }
    };
    try {
      if (row !== undefined) tx.objectStore('trackerState').put(row);
      if (unique.length === 0) return;
      const visitStore = tx.objectStore('visits');
      const rollupStore = tx.objectStore('dailyRollups');
      const heatStore = tx.objectStore('heatRollups');
      const pageStore = tx.objectStore('pageRollups');
      const fresh = unique.map(() => false);
      const before = new Map<string, DailyRollup>();
      const heat = new Map<string, HeatRollup>();
      const pages = new Map<string, PageRollup>();
      const days = unique.map((v) => opts.dayOf(v.startedMs));
      let waiting = 0;

      const writeRollups = (): void => {
        const merged = new Map<string, DailyRollup>();
        unique.forEach((v, i) => {
          if (!fresh[i]) return;
          const day = days[i] as string;
          const key = rollupKey(day, v.domain);
          const r = merged.get(key) ??
            before.get(key) ?? { day, domain: v.domain, activeMs: 0, visits: 0 };
          // Spread: the row keeps what imports recorded on it (ImportedRollup in import-history.ts).
          merged.set(key, {
            ...r,
            day,
            domain: v.domain,
            activeMs: r.activeMs + v.activeMs,
            visits: r.visits + 1,
          });
        });
        for (const rollup of merged.values()) rollupStore.put(rollup);
        // The heatmap's and the pages' rollups of the day (visit-rollups.ts), fresh visits only.
        const touchedHeat = new Set<HeatRollup>();
        const touchedPages = new Set<PageRollup>();
        unique.forEach((v, i) => {
          if (!fresh[i]) return;
          const day = days[i] as string;
          const h = heat.get(day) ?? emptyHeat(day);
          heat.set(day, h);
          applyHeat(h, v, 1);
          touchedHeat.add(h);
          const key = pageKey(v.domain, day);
          const p = pages.get(key) ?? emptyPages(v.domain, day);
          pages.set(key, p);
          addToPages(p, v);
          touchedPages.add(p);
        });
        for (const h of touchedHeat) heatStore.put(h);
        for (const p of touchedPages) pageStore.put(p);
      };
      const answered = (): void => {
        waiting -= 1;
        if (waiting > 0) return;
        try {
          writeRollups();
        } catch (error) {
          fail(error);
        }
      };

      unique.forEach((visit, i) => {
        waiting += 1;
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
      // The rollups of every visit's day and domain: a superset of those the fresh ones change.
      const keys = new Map<string, [string, string]>();
      unique.forEach((v, i) => {
        const day = days[i] as string;
        keys.set(rollupKey(day, v.domain), [day, v.domain]);
      });
      for (const [key, primaryKey] of keys) {
        waiting += 1;
        const request = rollupStore.get(primaryKey);
        request.onsuccess = () => {
          const current = request.result as DailyRollup | undefined;
          if (current !== undefined) before.set(key, current);
          answered();
        };
        waiting += 1;
        const pageRequest = pageStore.get([primaryKey[1], primaryKey[0]]);
        pageRequest.onsuccess = () => {
          const current = pageRequest.result as PageRollup | undefined;
          if (current !== undefined) pages.set(pageKey(primaryKey[1], primaryKey[0]), current);
          answered();
        };
      }
      for (const day of new Set(days)) {
        waiting += 1;
        const request = heatStore.get(day);
        request.onsuccess = () => {
          const current = request.result as HeatRollup | undefined;
          if (current !== undefined) heat.set(day, current);
          answered();
        };
      }
    } catch (error) {
      fail(error);
    }
  });
}
