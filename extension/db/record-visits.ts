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

/** Active time and visits per [day, domain] of the given visits. */
function rollupDeltas(visits: readonly StoredVisit[], dayOf: DayOf): Map<string, DailyRollup> {
  const deltas = new Map<string, DailyRollup>();
  for (const v of visits) {
    const day = dayOf(v.startedMs);
    const key = rollupKey(day, v.domain);
    const delta = deltas.get(key) ?? { day, domain: v.domain, activeMs: 0, visits: 0 };
    delta.activeMs += v.activeMs;
    delta.visits += 1;
    deltas.set(key, delta);
  }
  return deltas;
}

/**
 * Stores finished visits and adds them to the daily per-domain rollups in one
 * transaction, so stats never disagree with the visits. Idempotent on visit id:
 * a visit already stored (the background retrying after a worker kill) is
 * neither overwritten nor counted again.
 *
 * Two round trips to the database, not four: the visits and the rollups they
 * touch are read together, then written together. The background records one
 * visit per event, so the round trips are most of the cost (bench/extension.ts).
 */
export async function recordFinishedVisits(
  db: TracksphereDb,
  visits: FinishedVisit[],
  opts: RecordOptions,
): Promise<void> {
  if (visits.length === 0) return;
  const syncState = opts.syncEnabled ? 'pending' : 'local';
  await db.transaction('rw', db.visits, db.dailyRollups, async () => {
    const unique: StoredVisit[] = [...new Map(visits.map((v) => [v.id, v])).values()].map(
      (visit) => ({ ...visit, startedMs: startedMsOf(visit), syncState }),
    );
    // The rollups of every visit's day and domain: a superset of those the fresh ones change.
    const touched = [...rollupDeltas(unique, opts.dayOf).values()];
    const [existing, current] = await Promise.all([
      db.visits.bulkGet(unique.map((v) => v.id)),
      db.dailyRollups.bulkGet(touched.map((d) => [d.day, d.domain])),
    ]);
    const fresh = unique.filter((_, i) => existing[i] === undefined);
    if (fresh.length === 0) return;

    const before = new Map<string, DailyRollup>();
    for (const r of current) if (r !== undefined) before.set(rollupKey(r.day, r.domain), r);
    const merged = [...rollupDeltas(fresh, opts.dayOf).entries()].map(([key, d]) => {
      const b = before.get(key);
      return b === undefined
        ? d
        : { ...d, activeMs: b.activeMs + d.activeMs, visits: b.visits + d.visits };
    });
    await Promise.all([db.visits.bulkAdd(fresh), db.dailyRollups.bulkPut(merged)]);
  });
}
