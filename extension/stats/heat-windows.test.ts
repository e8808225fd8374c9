import { afterEach, describe, expect, it } from 'vitest';
import { makeVisit, utcDayOf } from '../db/db-test-kit.js';
import { eraseLocalData } from '../db/erase.js';
import { eraseHistory } from '../db/erase-history.js';
import { heatRead, heatWindowKey } from '../db/heat-windows.js';
import { writeImport } from '../db/import-history.js';
import { pruneVisits, recordFinishedVisits, type TracksphereDb } from '../db/index.js';
import { presetRange } from './date-range.js';
import { insightDb, MIN, NOW, TODAY, utcSources } from './insight-test-kit.js';
import { loadHeatmap } from './insights.js';
import { heatmapOf } from './when-stats.js';

let db: TracksphereDb;
afterEach(async () => {
  await db?.delete();
});

const RANGE = presetRange('90d', TODAY);
/** The kept cells' sources (a zone named) and the reference: every day's rollup read. */
const kept = () => ({ ...utcSources(db), zone: 'UTC' });
const everyDay = () => utcSources(db);
const cellsOf = (rows: readonly { quarters: Record<string, number> }[]) =>
  heatmapOf(
    rows.map((r) => r.quarters),
    [],
    () => 0,
  ).map((c) => c.activeMs);

/** The kept view's cells (after building its window), checked against every day's. */
async function heatmapChecked(): Promise<number[]> {
  const cells = await loadHeatmap(kept(), RANGE);
  expect(cells).toEqual(await loadHeatmap(everyDay(), RANGE));
  return cells.map((c) => c.activeMs);
}

describe("the heatmap's kept cells (db/heat-windows.ts)", () => {
  it('read the window and today alone, the figures of every day read', async () => {
    db = await insightDb();
    const first = await heatmapChecked();
    expect(first.reduce((s, ms) => s + ms, 0)).toBe(152 * MIN);
    expect(await db.heatWindows.get(heatWindowKey(90))).toMatchObject({
      from: RANGE.from,
      through: '2025-01-04',
      zone: 'UTC',
    });
    // In place: the cells and today's rollup only.
    const read = await heatRead(db, RANGE, TODAY, 'UTC', cellsOf);
    expect(read.cells).not.toBeNull();
    expect(read.rows.map((r) => r.day)).toEqual([TODAY]);
    expect(await heatmapChecked()).toEqual(first);
    // Another zone sums them again; a range ending before today, or without a zone, reads days.
    const berlin = await heatRead(db, RANGE, TODAY, 'Europe/Berlin', cellsOf);
    expect(berlin.cells).not.toBeNull();
    expect((await db.heatWindows.get(heatWindowKey(90)))?.zone).toBe('Europe/Berlin');
    const earlier = { from: '2024-10-07', to: '2025-01-04' };
    expect((await heatRead(db, earlier, TODAY, 'UTC', cellsOf)).cells).toBeNull();
    expect((await heatRead(db, RANGE, TODAY, undefined, cellsOf)).cells).toBeNull();
  });

  it("follow a recording on a window's day (a visit across midnight)", async () => {
    db = await insightDb();
    const before = await heatmapChecked();
    await recordFinishedVisits(
      db,
      [
        makeVisit({
          at: Date.UTC(2025, 0, 4, 23, 50),
          endedAt: new Date(Date.UTC(2025, 0, 5, 0, 10)).toISOString(),
          activeMs: 20 * MIN,
          url: 'https://late.example/',
          domain: 'late.example',
        }),
      ],
      { syncEnabled: false, dayOf: utcDayOf },
    );
    const after = await heatmapChecked();
    expect(after.reduce((s, ms) => s + ms, 0) - before.reduce((s, ms) => s + ms, 0)).toBe(20 * MIN);
  });

  it('follow an import of visits on its days', async () => {
    db = await insightDb();
    await heatmapChecked();
    const v = makeVisit({
      at: Date.UTC(2024, 11, 20, 15),
      endedAt: new Date(Date.UTC(2024, 11, 20, 15, 30)).toISOString(),
      activeMs: 30 * MIN,
      url: 'https://imported.example/',
      domain: 'imported.example',
    });
    const visits = [{ ...v, startedMs: Date.parse(v.startedAt), syncState: 'local' as const }];
    await writeImport(
      db,
      { days: [], visits: visits.map((x) => ({ ...x, record: 'line 1' })) },
      { source: 'test', dayOf: utcDayOf, keepVisitsFromMs: 0 },
    );
    const after = await heatmapChecked();
    expect(after.reduce((s, ms) => s + ms, 0)).toBe(182 * MIN);
  });

  it('follow erasing a site, a range and everything', async () => {
    db = await insightDb();
    await heatmapChecked();
    await eraseHistory(db, { domain: 'docs.example' }, utcDayOf);
    expect((await heatmapChecked()).reduce((s, ms) => s + ms, 0)).toBe(122 * MIN);
    await heatmapChecked();
    await eraseHistory(
      db,
      { fromMs: Date.UTC(2024, 11, 31), toMs: Date.UTC(2025, 0, 1) },
      utcDayOf,
    );
    expect((await heatmapChecked()).reduce((s, ms) => s + ms, 0)).toBe(101 * MIN);
    await eraseLocalData(db);
    expect(await db.heatWindows.count()).toBe(0);
    expect((await heatmapChecked()).reduce((s, ms) => s + ms, 0)).toBe(25 * MIN);
  });

  it('follow local retention', async () => {
    db = await insightDb();
    await heatmapChecked();
    // Cutoff 6 December 12:00: the visits of 30 November and 1 December go.
    const pruned = await pruneVisits(db, {
      now: NOW,
      retentionDays: 30,
      syncEnabled: false,
      dayOf: utcDayOf,
    });
    expect(pruned).toBe(2);
    expect((await heatmapChecked()).reduce((s, ms) => s + ms, 0)).toBe(122 * MIN);
  });

  // Saturday 9:00, docs.example's visit of 30 November (20 minutes), in the kept cells.
  const SAT9 = 6 * 24 + 9;
  const erasers: [string, () => Promise<unknown>][] = [
    ['a site', () => eraseHistory(db, { domain: 'docs.example' }, utcDayOf)],
    [
      'a range',
      () =>
        eraseHistory(db, { fromMs: Date.UTC(2024, 10, 30), toMs: Date.UTC(2024, 11, 1) }, utcDayOf),
    ],
    [
      'by retention',
      () => pruneVisits(db, { now: NOW, retentionDays: 30, syncEnabled: false, dayOf: utcDayOf }),
    ],
  ];
  it.each(erasers)(
    "keep no erased hours on disk when a recording dropped the window's row first (%s)",
    async (_what, erase) => {
      db = await insightDb();
      await heatmapChecked();
      expect((await db.heatWindows.get(heatWindowKey(90)))?.cells[SAT9]).toBe(20 * MIN);
      // A visit on a window's day: the recorder drops the window's row and leaves its cells.
      await recordFinishedVisits(
        db,
        [
          makeVisit({
            at: Date.UTC(2025, 0, 3, 12),
            activeMs: 5 * MIN,
            url: 'https://x.example/',
            domain: 'x.example',
          }),
        ],
        { syncEnabled: false, dayOf: utcDayOf },
      );
      await erase();
      expect(await db.heatWindows.get(heatWindowKey(90))).toBeUndefined();
    },
  );
});
