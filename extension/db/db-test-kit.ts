/** Shared by the db/ and sync/ unit tests: fresh databases and valid visits. */
import type { Summary, VisitEvent } from '#protocol';
import { makeDayOf } from './day.js';
import { openTracksphereDb, type TracksphereDb } from './schema.js';
import { cachedSummaryRanges, cachedSummaryRows, storeCachedSummary } from './summary-store.js';

/** A database of its own for each test (fake-indexeddb lives for the whole test file). */
export function freshTestDb(): TracksphereDb {
  return openTracksphereDb(`test-${crypto.randomUUID()}`);
}

/** UTC: days in tests are the UTC dates of the ISO strings. */
export const utcDayOf = makeDayOf(() => 0);

let seq = 0;

/** A valid visit; `at` is its start (ms), 30 s long with 20 s active unless overridden. */
export function makeVisit(overrides: Partial<VisitEvent> & { at?: number } = {}): VisitEvent {
  seq += 1;
  const { at = Date.UTC(2025, 0, 15, 12, 0, 0) + seq, ...fields } = overrides;
  return {
    id: crypto.randomUUID(),
    type: 'visit',
    url: `https://example.com/page/${seq}`,
    domain: 'example.com',
    title: `Page ${seq}`,
    startedAt: new Date(at).toISOString(),
    endedAt: new Date(at + 30_000).toISOString(),
    activeMs: 20_000,
    sessionId: '0190a6f2-0000-7000-8000-000000000001',
    transition: 'link',
    ...fields,
  };
}

/** Caches `cached` as All my browsers' newest summary, keeping every other cached one. */
export function cacheSummary(
  db: TracksphereDb,
  cached: { summary: Summary; fetchedAt: number },
): Promise<void> {
  return storeCachedSummary(db, cached, (others, received) => [
    ...others.map((entry) => entry.id),
    received.id,
  ]);
}

/** The newest cached summary with all its rows; null when none is cached. */
export async function lastCachedSummary(
  db: TracksphereDb,
): Promise<{ summary: Summary; fetchedAt: number } | null> {
  const entries = await cachedSummaryRanges(db);
  const last = entries.sort((a, b) => b.fetchedAt - a.fetchedAt)[0];
  if (last === undefined) return null;
  const rows = await cachedSummaryRows(db, last.id, last.summary.from, last.summary.to);
  return { summary: { ...last.summary, rows }, fetchedAt: last.fetchedAt };
}
