/**
 * The year's pages dropped by an erase or a prune too large to change them row by row go with
 * their rows: they hold pages' addresses and titles.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { eraseHistory } from './erase-history.js';
import { recordFinishedVisits } from './record-visits.js';
import { pruneVisits } from './retention.js';
import { YEAR_PAGES_MAX_CHANGES } from './rollup-upkeep.js';
import type { TracksphereDb } from './schema.js';
import { YEAR_PAGES } from './tail-pages.js';
import { tailWindowOf } from './tail-rollups.js';
import { moveYearPages } from './visit-queries.js';

let db: TracksphereDb | undefined;
afterEach(async () => {
  await db?.delete();
  db = undefined;
});

const off = { syncEnabled: false, dayOf: utcDayOf };
const DAY = 86_400_000;

/** More pages of one site than YEAR_PAGES_MAX_CHANGES, over a few days, and the year's window built. */
async function seeded(d: TracksphereDb): Promise<void> {
  const visits = Array.from({ length: YEAR_PAGES_MAX_CHANGES + 50 }, (_, i) =>
    makeVisit({
      at: Date.UTC(2025, 5, 1, 9) + (i % 5) * DAY + i * 1_000,
      domain: 'clinic.example',
      url: `https://clinic.example/appointment/${i}`,
      title: `Appointment ${i}: diagnosis`,
    }),
  );
  await recordFinishedVisits(d, visits, off);
  await recordFinishedVisits(
    d,
    [
      makeVisit({
        at: Date.UTC(2025, 5, 2, 9),
        domain: 'news.example',
        url: 'https://news.example/a',
      }),
    ],
    off,
  );
  await moveYearPages(d, tailWindowOf(365, '2025-06-10'));
  expect(await d.tailWindows.get(YEAR_PAGES)).toBeDefined();
}

describe("the year's pages dropped by a large erase or prune", () => {
  it("leave none of an erased site's addresses and titles stored", async () => {
    db = freshTestDb();
    await seeded(db);
    await eraseHistory(db, { domain: 'clinic.example' }, utcDayOf);
    expect(await db.visits.where('domain').equals('clinic.example').count()).toBe(0);
    // The window was dropped (more than YEAR_PAGES_MAX_CHANGES), and its rows with it.
    expect(await db.tailWindows.get(YEAR_PAGES)).toBeUndefined();
    const left = await db.tailPages
      .where('[span+domain+page]')
      .between([YEAR_PAGES, 'clinic.example'], [YEAR_PAGES, 'clinic.example\uffff'])
      .toArray();
    expect(left.length, JSON.stringify(left[1])).toBe(0);
  });

  it("leave none of the pruned visits' addresses stored", async () => {
    db = freshTestDb();
    await seeded(db);
    // Retention run after the browser was closed for a while: every seeded visit is past it.
    await pruneVisits(db, {
      now: Date.UTC(2025, 6, 15),
      retentionDays: 30,
      syncEnabled: false,
      dayOf: utcDayOf,
    });
    expect(await db.visits.count()).toBe(0);
    expect(await db.pageRollups.count()).toBe(0);
    expect(await db.tailWindows.get(YEAR_PAGES)).toBeUndefined();
    expect(
      await db.tailPages
        .where('[span+domain+page]')
        .between([YEAR_PAGES], [YEAR_PAGES + 1])
        .count(),
    ).toBe(0);
  });
});
