/**
 * The long ranges prepared after an import (prepareLongRanges, run by the import worker): a new
 * database's month sums and range windows are built up to today's ranges, so their first view
 * reads them in place, with the figures a view building them itself shows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { addDays, localDayOf } from './day.js';
import { freshTestDb, makeVisit } from './db-test-kit.js';
import { prepareLongRanges, rangeRollups } from './range-rollups.js';
import { recordFinishedVisits } from './record-visits.js';
import type { TracksphereDb } from './schema.js';
import { SUMS_SPAN, tailWindowOf } from './tail-rollups.js';

const opened: TracksphereDb[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.delete();
});

/** A new database with a visit on every tenth day of the last 400 (sums and windows unbuilt). */
async function history(): Promise<TracksphereDb> {
  const db = freshTestDb();
  opened.push(db);
  const visits = Array.from({ length: 40 }, (_, i) =>
    makeVisit({ at: Date.now() - (i * 10 + 1) * 86_400_000, domain: `d${i % 7}.example` }),
  );
  await recordFinishedVisits(db, visits, { syncEnabled: false, dayOf: localDayOf });
  return db;
}

describe('prepareLongRanges', () => {
  it("builds the sums to yesterday and the 30-day and 12-month windows of today's ranges", async () => {
    const db = await history();
    const today = localDayOf(Date.now());
    expect(await db.tailWindows.toArray()).toEqual([]);
    await prepareLongRanges(db, today);
    const windows = new Map((await db.tailWindows.toArray()).map((w) => [w.span, w]));
    expect(windows.get(SUMS_SPAN)?.through).toBe(addDays(today, -1));
    for (const span of [30, 365]) {
      const { from, through } = windows.get(span) ?? {};
      expect({ from, through }).toEqual(tailWindowOf(span, today));
    }
    // The figures are those a view building them itself shows.
    const fresh = await history();
    for (const span of [30, 365]) {
      const range = { from: addDays(today, 1 - span), to: today };
      const byHost = (r: Awaited<ReturnType<typeof rangeRollups>>) =>
        r.hosts.map((h) => `${h.domain} ${h.activeMs}`).sort();
      expect(byHost(await rangeRollups(db, range))).toEqual(
        byHost(await rangeRollups(fresh, range)),
      );
    }
  });
});
