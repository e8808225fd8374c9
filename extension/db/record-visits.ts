import type { FinishedVisit } from '../tracker/index.js';
import type { DayOf } from './day.js';
import type { DailyRollup, StoredVisit, TracksphereDb } from './schema.js';

export interface RecordOptions {
  /** Sync on: the visits go to the outbox. Off: they stay 'local' and never leave the browser. */
  syncEnabled: boolean;
  dayOf: DayOf;
}

function startedMsOf(visit: FinishedVisit): number {
  const ms = Date.parse(visit.startedAt);
  // An invalid time would make IndexedDB throw and abort the whole transaction, losing
  // the good visits with it; 0 keeps the record (the server will name it invalid).
  return Number.isFinite(ms) ? ms : 0;
}

function rollupKey(day: string, domain: string): string {
  return `${day}\u0000${domain}`;
}

/**
 * Stores finished visits and adds them to the daily per-domain rollups in one
 * transaction, so stats never disagree with the visits. Idempotent on visit id:
 * a visit already stored (the background retrying after a worker kill) is
 * neither overwritten nor counted again.
 */
export async function recordFinishedVisits(
  db: TracksphereDb,
  visits: FinishedVisit[],
  opts: RecordOptions,
): Promise<void> {
  if (visits.length === 0) return;
  const syncState = opts.syncEnabled ? 'pending' : 'local';
  await db.transaction('rw', db.visits, db.dailyRollups, async () => {
    const unique = [...new Map(visits.map((v) => [v.id, v])).values()];
    const existing = await db.visits.bulkGet(unique.map((v) => v.id));
    const fresh: StoredVisit[] = [];
    unique.forEach((visit, i) => {
      if (existing[i] === undefined) {
        fresh.push({ ...visit, startedMs: startedMsOf(visit), syncState });
      }
    });
    if (fresh.length === 0) return;
    await db.visits.bulkAdd(fresh);

    const deltas = new Map<string, DailyRollup>();
    for (const v of fresh) {
      const day = opts.dayOf(v.startedMs);
      const key = rollupKey(day, v.domain);
      const delta = deltas.get(key) ?? { day, domain: v.domain, activeMs: 0, visits: 0 };
      delta.activeMs += v.activeMs;
      delta.visits += 1;
      deltas.set(key, delta);
    }
    const changes = [...deltas.values()];
    const current = await db.dailyRollups.bulkGet(changes.map((d) => [d.day, d.domain]));
    const merged = changes.map((d, i) => {
      const before = current[i];
      return before === undefined
        ? d
        : { ...d, activeMs: before.activeMs + d.activeMs, visits: before.visits + d.visits };
    });
    await db.dailyRollups.bulkPut(merged);
  });
}
