import { afterEach, describe, expect, it } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { recordFinishedVisits } from './record-visits.js';
import type { TracksphereDb } from './schema.js';
import { activeMsOnDay, dailyTotals, topSites } from './stats-queries.js';

let db: TracksphereDb;
afterEach(async () => {
  await db?.delete();
});

const day = (d: number): number => Date.UTC(2025, 0, d, 10);

async function seed(): Promise<void> {
  db = freshTestDb();
  await recordFinishedVisits(
    db,
    [
      makeVisit({ at: day(30), domain: 'a.example', activeMs: 5_000 }),
      makeVisit({ at: day(31), domain: 'a.example', activeMs: 1_000 }),
      makeVisit({ at: day(31), domain: 'b.example', activeMs: 3_000 }),
      makeVisit({ at: day(31) + 1, domain: 'b.example', activeMs: 3_000 }),
      makeVisit({ at: day(31), domain: 'c.example', activeMs: 6_000 }),
      makeVisit({ at: day(33), domain: 'a.example', activeMs: 7_000 }),
    ],
    { syncEnabled: false, dayOf: utcDayOf },
  );
}

describe('stats from rollups', () => {
  it('totals the active time of one day', async () => {
    await seed();
    expect(await activeMsOnDay(db, '2025-01-31')).toBe(13_000);
    expect(await activeMsOnDay(db, '2025-02-01')).toBe(0);
  });

  it('ranks sites by active time, then visits, then name, within the range only', async () => {
    await seed();
    expect(await topSites(db, { from: '2025-01-31', to: '2025-01-31' })).toEqual([
      { domain: 'b.example', activeMs: 6_000, visits: 2 },
      { domain: 'c.example', activeMs: 6_000, visits: 1 },
      { domain: 'a.example', activeMs: 1_000, visits: 1 },
    ]);
    expect(await topSites(db, { from: '2025-01-30', to: '2025-02-01' }, 1)).toEqual([
      { domain: 'a.example', activeMs: 6_000, visits: 2 },
    ]);
  });

  it('gives one total per day for the last N days, across a month end, with zeros', async () => {
    await seed();
    expect(await dailyTotals(db, { lastDay: '2025-02-02', days: 5 })).toEqual([
      { day: '2025-01-29', activeMs: 0, visits: 0 },
      { day: '2025-01-30', activeMs: 5_000, visits: 1 },
      { day: '2025-01-31', activeMs: 13_000, visits: 4 },
      { day: '2025-02-01', activeMs: 0, visits: 0 },
      { day: '2025-02-02', activeMs: 7_000, visits: 1 },
    ]);
  });

  it('does not read raw visits: stats survive their deletion', async () => {
    await seed();
    await db.visits.clear();
    expect(await activeMsOnDay(db, '2025-01-31')).toBe(13_000);
  });
});
