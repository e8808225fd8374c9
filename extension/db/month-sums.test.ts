/**
 * The month rollups and day sums hold the days up to a last one (schema version 9,
 * month-rollups.ts's sumsThrough): a visit on a later day writes neither, a range read moves the
 * last day on, and a visit on a day they hold goes into them.
 */
import { Dexie } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { limitSums, monthRollupsOf, sumsThrough } from './month-rollups.js';
import { rangeRollups } from './range-rollups.js';
import { recordFinishedVisits } from './record-visits.js';
import type { TracksphereDb } from './schema.js';

let db: TracksphereDb | undefined;
afterEach(async () => {
  await db?.delete();
  db = undefined;
});

const DAY = 86_400_000;
const off = { syncEnabled: false, dayOf: utcDayOf };
const visitOn = (day: string, domain = 'a.example', activeMs = 60_000) =>
  makeVisit({ at: Date.parse(`${day}T10:00:00Z`), domain, activeMs });

/** The sums stored equal the daily rollups' of the days they hold. */
async function expectSums(d: TracksphereDb): Promise<string> {
  const through = sumsThrough(await d.tailWindows.toArray());
  const want = monthRollupsOf((await d.dailyRollups.toArray()).filter((r) => r.day <= through));
  const key = (r: { month?: string; day?: string; domain?: string }) =>
    `${r.month ?? r.day} ${r.domain ?? ''}`;
  const sorted = <T extends object>(rows: T[]) => rows.sort((a, b) => (key(a) < key(b) ? -1 : 1));
  expect(sorted(await d.monthRollups.toArray())).toEqual(sorted(want.months));
  expect(sorted(await d.daySums.toArray())).toEqual(sorted(want.days));
  return through;
}

describe('the month rollups and day sums up to their last day', () => {
  it('are left out of recording after it, moved on by a range read, and kept for the days they hold', async () => {
    db = freshTestDb();
    const start = Date.UTC(2025, 0, 1, 9);
    await recordFinishedVisits(
      db,
      Array.from({ length: 120 }, (_, i) =>
        makeVisit({
          at: start + i * DAY,
          domain: ['a.example', 'b.example'][i % 2] as string,
          activeMs: 1_000 * (i + 1),
        }),
      ),
      off,
    );
    // A new database's sums hold no day: the visits wrote none.
    expect(await expectSums(db)).toBe('');
    expect(await db.monthRollups.count()).toBe(0);

    // A range over whole months reads them from the sums, moved on first (10 days a step).
    await rangeRollups(db, { from: '2025-01-01', to: '2025-03-31' });
    expect(await expectSums(db)).toBe('2025-03-31');
    expect(await db.monthRollups.count()).toBe(6);

    // A visit on a day the sums hold goes into them; one after their last day does not.
    const feb = (await db.monthRollups.get(['2025-02', 'b.example'])) as { visits: number };
    await recordFinishedVisits(
      db,
      [visitOn('2025-02-10', 'b.example'), visitOn('2025-04-20')],
      off,
    );
    expect(await db.monthRollups.get(['2025-02', 'b.example'])).toMatchObject({
      visits: feb.visits + 1,
    });
    expect(await db.monthRollups.get(['2025-04', 'a.example'])).toBeUndefined();
    await expectSums(db);
  });

  it("schema version 9's upgrade takes the days after its last day out of them", async () => {
    db = freshTestDb();
    const d = db;
    // Sums over every day, as before version 9.
    await d.tailWindows.put({ span: 0, from: '', through: '9999-12-31' });
    await recordFinishedVisits(
      d,
      ['2025-01-03', '2025-01-05', '2025-01-06', '2025-01-06', '2025-02-01'].map((day, i) =>
        visitOn(day, i % 2 === 0 ? 'a.example' : 'b.example'),
      ),
      off,
    );
    expect(await d.daySums.count()).toBe(4);
    await d.transaction('rw', [d.dailyRollups, d.monthRollups, d.daySums, d.tailWindows], () =>
      limitSums(Dexie.currentTransaction, '2025-01-05'),
    );
    expect(await expectSums(d)).toBe('2025-01-05');
    expect((await d.daySums.toArray()).map((r) => r.day)).toEqual(['2025-01-03', '2025-01-05']);
  });
});
