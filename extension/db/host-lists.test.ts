import { afterEach, describe, expect, it } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { eraseLocalData } from './erase.js';
import { eraseHistory } from './erase-history.js';
import { hostListKey } from './host-lists.js';
import { writeImport } from './import-history.js';
import { rangeRollups } from './range-rollups.js';
import { recordFinishedVisits } from './record-visits.js';
import type { TracksphereDb } from './schema.js';
import { type DayRange, dayTotals, rollupsInRange, siteTotals } from './stats-queries.js';

let db: TracksphereDb | undefined;
afterEach(async () => {
  await db?.delete();
  db = undefined;
});

const DAY = 86_400_000;
const off = { syncEnabled: false, dayOf: utcDayOf };
/** Ranges ending 10 March 2025: the windows hold up to the 9th. */
const ending = (to: string, days: number): DayRange => ({
  from: new Date(Date.parse(to) - (days - 1) * DAY).toISOString().slice(0, 10),
  to,
});
const RANGES = [ending('2025-03-10', 30), ending('2025-03-10', 365)];

const visitOn = (day: string, domain: string, activeMs: number) =>
  makeVisit({ at: Date.parse(`${day}T10:00:00Z`), domain, url: `https://${domain}/`, activeMs });

/** Each range's hosts and days as the view reads them, checked against the daily rollups'. */
async function expectExact(d: TracksphereDb): Promise<void> {
  for (const range of RANGES) {
    const read = await rangeRollups(d, range);
    const rows = await rollupsInRange(d, range);
    expect(siteTotals(read.hosts, Infinity)).toEqual(siteTotals(rows, Infinity));
    const last = range.to;
    const days = Math.round((Date.parse(range.to) - Date.parse(range.from)) / DAY) + 1;
    expect(dayTotals(read.days, { lastDay: last, days })).toEqual(
      dayTotals(rows, { lastDay: last, days }),
    );
  }
}

/** Whether each window's list holds (its marker there). */
async function markers(d: TracksphereDb): Promise<boolean[]> {
  const rows = await d.tailWindows.bulkGet([hostListKey(30), hostListKey(365)]);
  return rows.map((r) => r !== undefined);
}

describe("the range windows' lists of hosts (host-lists.ts)", () => {
  it('are what the windows read, and every change to the host rows drops them', async () => {
    db = freshTestDb();
    const d = db;
    const hosts = ['a.example', 'b.example', 'c.example', 'd.example'];
    await recordFinishedVisits(
      d,
      Array.from({ length: 120 }, (_, i) =>
        visitOn(ending('2025-03-10', 60 - Math.floor(i / 2)).from, hosts[i % 4] as string, i + 1),
      ),
      off,
    );
    await expectExact(d);
    expect(await markers(d)).toEqual([true, true]);
    expect((await d.hostLists.get(30))?.domains.sort()).toEqual(hosts);
    // The view reads the list, not the host rows nor the day sums: rows changed behind every
    // writer's back leave its figures as they were.
    const before = await rangeRollups(d, RANGES[1] as DayRange);
    const [hostRows, daySums] = await Promise.all([d.tailRollups.toArray(), d.daySums.toArray()]);
    await Promise.all([d.tailRollups.clear(), d.daySums.clear()]);
    expect(await rangeRollups(d, RANGES[1] as DayRange)).toEqual(before);
    await Promise.all([d.tailRollups.bulkPut(hostRows), d.daySums.bulkPut(daySums)]);
    // Built again from the daily rollups (a window read anew).
    await d.transaction('rw', d.tailWindows, () => d.tailWindows.bulkDelete([30, 365]));
    await expectExact(d);

    // A recording on a day the windows hold (one started before its last midnight).
    await recordFinishedVisits(d, [visitOn('2025-03-08', 'e.example', 5_000)], off);
    expect(await markers(d)).toEqual([false, false]);
    await expectExact(d);
    expect(await markers(d)).toEqual([true, true]);

    // An import of visits on their days.
    const imported = visitOn('2025-02-20', 'f.example', 7_000);
    await writeImport(
      d,
      {
        days: [],
        visits: [
          {
            ...imported,
            startedMs: Date.parse(imported.startedAt),
            syncState: 'local',
            record: 'line 1',
          },
        ],
      },
      { source: 'test', dayOf: utcDayOf, keepVisitsFromMs: 0 },
    );
    expect(await markers(d)).toEqual([false, false]);
    await expectExact(d);

    // Erasing a site: the lists go with their names.
    await eraseHistory(d, { domain: 'b.example' }, utcDayOf);
    expect(await d.hostLists.count()).toBe(0);
    await expectExact(d);
    expect((await d.hostLists.get(365))?.domains).not.toContain('b.example');

    // Erasing part of a day, every site.
    await eraseHistory(
      d,
      { fromMs: Date.parse('2025-03-08T00:00:00Z'), toMs: Date.parse('2025-03-09T00:00:00Z') },
      utcDayOf,
    );
    expect(await markers(d)).toEqual([false, false]);
    await expectExact(d);

    // A day's move: the ranges ending a day later.
    await recordFinishedVisits(d, [visitOn('2025-03-10', 'g.example', 3_000)], off);
    RANGES.splice(0, 2, ending('2025-03-11', 30), ending('2025-03-11', 365));
    await expectExact(d);
    expect((await d.hostLists.get(30))?.domains).toContain('g.example');

    await eraseLocalData(d);
    expect(await d.hostLists.count()).toBe(0);
  });
});
