/**
 * Keeps the heat and page rollups (visit-rollups.ts) equal to what the stored visits add up
 * to, wherever visits are stored or deleted through Dexie (import, erase, retention). Each
 * function runs inside its caller's transaction, which must include heatRollups,
 * pageRollups, tailWindows, tailPages (the windows' pages, tail-pages.ts) and heatWindows (the
 * heatmap's kept cells, heat-windows.ts); recordFinishedVisits does the same on its own IndexedDB
 * transaction.
 */

import type { Table } from 'dexie';
import type { DayOf } from './day.js';
import { dropHeatWindows } from './heat-windows.js';
import type { TracksphereDb } from './schema.js';
import { bulkGetStored } from './stored-rows.js';
import {
  applyPageChanges,
  type PageChange,
  type PageRollupChange,
  pageChanges,
  type TailPage,
  type TailWindow,
  YEAR_PAGES,
} from './tail-pages.js';
import {
  addToPages,
  applyHeat,
  emptyHeat,
  emptyPages,
  type HeatRollup,
  type PageRollup,
  pageKey,
  type RollupVisit,
  rollupsOf,
} from './visit-rollups.js';

/** The days and host-days of `visits`, each once. */
function keysOf(visits: readonly RollupVisit[], dayOf: DayOf) {
  const days = visits.map((v) => dayOf(v.startedMs));
  const pageKeys = new Map<string, [string, string]>();
  visits.forEach((v, i) => {
    const day = days[i] as string;
    pageKeys.set(pageKey(v.domain, day), [v.domain, day]);
  });
  return { days, heatDays: [...new Set(days)], pageKeys };
}

/** Adds visits just stored to the rollups. */
export async function addVisitRollups(
  db: TracksphereDb,
  visits: readonly RollupVisit[],
  dayOf: DayOf,
): Promise<void> {
  if (visits.length === 0) return;
  const { days, heatDays, pageKeys } = keysOf(visits, dayOf);
  // An import's host-days are mostly new: only the rows stored are read (stored-rows.ts).
  const [heatRows, pageRows] = await Promise.all([
    bulkGetStored(db.heatRollups, heatDays),
    bulkGetStored(db.pageRollups, [...pageKeys.values()]),
  ]);
  const heat = new Map<string, HeatRollup>(
    heatDays.map((day, i) => [day, heatRows[i] ?? emptyHeat(day)]),
  );
  const pages = new Map<string, PageRollup>(
    [...pageKeys.entries()].map(([key, [domain, day]], i) => [
      key,
      pageRows[i] ?? emptyPages(domain, day),
    ]),
  );
  visits.forEach((v, i) => {
    const day = days[i] as string;
    applyHeat(heat.get(day) as HeatRollup, v, 1);
    addToPages(pages.get(pageKey(v.domain, day)) as PageRollup, v);
  });
  await db.heatRollups.bulkPut([...heat.values()]);
  await dropHeatWindows(db, heatDays);
  await db.pageRollups.bulkPut([...pages.values()]);
  // The range windows holding their days gain them too (tail-pages.ts).
  const added = rollupsOf(visits, dayOf).pages;
  await applyWindowPages(
    db,
    [...added.values()].map((after) => ({ after })),
  );
}

/** Host-days' changes to the windows' pages (caller's transaction: tailWindows, tailPages). */
async function applyWindowPages(db: TracksphereDb, changes: PageRollupChange[]): Promise<void> {
  if (changes.length === 0) return;
  const windows = await db.tailWindows.toArray();
  const perPage = pageChanges(windows, changes);
  // Many changes to the year's pages (an import, a busy site erased) drop them instead.
  await applyPageChanges(db, perPage, await dropYearIfLarge(db, windows, perPage));
}

/**
 * Takes deleted visits out of the rollups: their active time out of their days' quarter
 * hours, and the host-days they were on rebuilt from `survivors`, which must hold every
 * visit still stored on those host-days (a page's title is its latest visit's, which a sum
 * cannot take back).
 */
export async function removeVisitRollups(
  db: TracksphereDb,
  removed: readonly RollupVisit[],
  survivors: Iterable<RollupVisit>,
  dayOf: DayOf,
): Promise<void> {
  if (removed.length === 0) return;
  const { days, heatDays, pageKeys } = keysOf(removed, dayOf);
  const heatRows = await db.heatRollups.bulkGet(heatDays);
  const heat = new Map<string, HeatRollup>();
  heatDays.forEach((day, i) => {
    const row = heatRows[i];
    if (row !== undefined) heat.set(day, row);
  });
  removed.forEach((v, i) => {
    const row = heat.get(days[i] as string);
    if (row !== undefined) applyHeat(row, v, -1);
  });
  const rows = [...heat.values()];
  await db.heatRollups.bulkDelete(rows.filter((r) => r.visits <= 0).map((r) => r.day));
  await db.heatRollups.bulkPut(rows.filter((r) => r.visits > 0));
  await dropHeatWindows(db, heatDays);

  const kept = [...survivors].filter((v) => pageKeys.has(pageKey(v.domain, dayOf(v.startedMs))));
  const rebuilt = rollupsOf(kept, dayOf).pages;
  const gone = [...pageKeys.entries()].filter(([key]) => !rebuilt.has(key)).map(([, k]) => k);
  const before = await db.pageRollups.bulkGet([...pageKeys.values()]);
  await db.pageRollups.bulkDelete(gone);
  await db.pageRollups.bulkPut([...rebuilt.values()]);
  // The windows lose each host-day's difference (its titles found again where they went).
  await applyWindowPages(
    db,
    [...pageKeys.keys()].map((key, i) => ({ before: before[i], after: rebuilt.get(key) })),
  );
}

/**
 * Changes to the year's pages past which they are dropped rather than changed: about two days'
 * rows of the bench's busy year (a day's move writes ~1,100). An import of a year, or the erase
 * of a busy site, would otherwise write a row per page in its own transactions (tens of
 * seconds for ~200,000); dropped, the next site's pages view builds them in the background.
 */
export const YEAR_PAGES_MAX_CHANGES = 2_000;

/**
 * `changes` (pageChanges') without the year's pages' when they are more than
 * YEAR_PAGES_MAX_CHANGES: the year's window is then dropped with its rows, inside the caller's
 * transaction (a window without its tailWindows row is neither read nor kept; the next site's
 * pages view builds it again). Answers the windows left.
 */
export async function dropYearIfLarge(
  db: {
    tailWindows: Table<TailWindow, number>;
    tailPages: Table<TailPage, [number, string, string]>;
  },
  windows: readonly TailWindow[],
  changes: Map<string, PageChange>,
): Promise<TailWindow[]> {
  let year = 0;
  for (const change of changes.values()) if (change.row.span === YEAR_PAGES) year += 1;
  if (year <= YEAR_PAGES_MAX_CHANGES) return [...windows];
  for (const [id, change] of changes) if (change.row.span === YEAR_PAGES) changes.delete(id);
  await db.tailWindows.delete(YEAR_PAGES);
  // Its rows too, at once (one key range): they hold pages' addresses and titles, and an erase
  // or retention that dropped the window must not leave them stored until a view builds it.
  await db.tailPages
    .where('[span+domain+page]')
    .between([YEAR_PAGES], [YEAR_PAGES + 1])
    .delete();
  return windows.filter((w) => w.span !== YEAR_PAGES);
}
