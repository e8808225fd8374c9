import type { VisitEvent } from '#protocol';
import type { DayOf } from './day.js';
import type { DailyRollup, StoredVisit, TracksphereDb } from './schema.js';

export interface RecordOptions {
  /** Sync on: the visits go to the outbox. Off: they stay 'local' and never leave the browser. */
  syncEnabled: boolean;
  dayOf: DayOf;
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
 * Stores finished visits and adds them to the daily per-domain rollups in one
 * transaction, so stats never disagree with the visits. Idempotent on visit id:
 * a visit already stored (the background retrying after a worker kill) is
 * neither overwritten nor counted again.
 *
 * The background records one visit per event, so this is its hot path
 * (bench/extension.ts), and it talks to IndexedDB directly, under Dexie: one
 * transaction of three requests and two round trips. The visits are added
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
 * the system's write-back delay can lose the last visits, as it can the
 * storage.local writes the tracker makes alongside.
 */
export async function recordFinishedVisits(
  db: TracksphereDb,
  visits: VisitEvent[],
  opts: RecordOptions,
): Promise<void> {
  if (visits.length === 0) return;
  const syncState = opts.syncEnabled ? 'pending' : 'local';
  const unique: StoredVisit[] = [...new Map(visits.map((v) => [v.id, v])).values()].map(
    (visit) => ({ ...visit, startedMs: startedMsOf(visit), syncState }),
  );
  const idb = await backend(db);
  await new Promise<void>((resolve, reject) => {
    const tx = idb.transaction(['visits', 'dailyRollups'], 'readwrite', { durability: 'relaxed' });
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
      const visitStore = tx.objectStore('visits');
      const rollupStore = tx.objectStore('dailyRollups');
      const fresh = unique.map(() => false);
      const before = new Map<string, DailyRollup>();
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
      }
    } catch (error) {
      fail(error);
    }
  });
}
