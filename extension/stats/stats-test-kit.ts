/** Seeded local data for the stats and UI tests: exact figures to assert on. */
import { freshTestDb, makeVisit, utcDayOf } from '../db/db-test-kit.js';
import { recordFinishedVisits, type TracksphereDb } from '../db/index.js';

export const TODAY = '2025-03-10';
const at = (day: number, hour = 10): number => Date.UTC(2025, 2, day, hour);

/** A fresh database with these visits recorded as finished (days in UTC, sync off). */
export async function dbWithVisits(
  visits: Parameters<typeof recordFinishedVisits>[1],
): Promise<TracksphereDb> {
  const db = freshTestDb();
  await recordFinishedVisits(db, visits, { syncEnabled: false, dayOf: utcDayOf });
  return db;
}

/** Today: news 3 visits / 25 min, docs 1 visit / 40 min, mail 2 visits / 5 min; older days below. */
export function seededDb(): Promise<TracksphereDb> {
  const min = 60_000;
  return dbWithVisits([
    makeVisit({ at: at(10, 9), domain: 'news.example', activeMs: 10 * min }),
    makeVisit({ at: at(10, 10), domain: 'news.example', activeMs: 10 * min }),
    makeVisit({ at: at(10, 11), domain: 'news.example', activeMs: 5 * min }),
    makeVisit({ at: at(10, 12), domain: 'docs.example', activeMs: 40 * min }),
    makeVisit({ at: at(10, 13), domain: 'mail.example', activeMs: 2 * min }),
    makeVisit({ at: at(10, 14), domain: 'mail.example', activeMs: 3 * min }),
    makeVisit({ at: at(8), domain: 'docs.example', activeMs: 60 * min }),
    makeVisit({ at: at(4), domain: 'video.example', activeMs: 90 * min }),
    // Outside the 7-day trend (Mar 3 is the 8th day back) but inside 30 days.
    makeVisit({ at: at(3), domain: 'video.example', activeMs: 30 * min }),
    // Outside 30 days.
    makeVisit({ at: Date.UTC(2025, 0, 2, 10), domain: 'old.example', activeMs: 99 * min }),
  ]);
}
