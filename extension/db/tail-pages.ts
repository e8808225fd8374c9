/**
 * Each host's pages over a window's days (schema version 8): the 30-day range window's
 * (tail-rollups.ts: the latest 30 days but their last day) and the year's (YEAR_PAGES), a row per
 * window, host and page, and a count row per window and host (page-counts.ts). A site's pages over
 * such a range read its top pages through the [span+domain+activeMs] index, the count, and the
 * last day's page rollups. The rows are the sums of the window's days' page rollups
 * (visit-rollups.ts), kept with them in the same transaction wherever those change: recording (a
 * visit started on a day inside a window; record-visits.ts), import, erase and retention
 * (rollup-upkeep.ts) and the window's moves. A page's title is its latest titled visit's: when
 * the visit that gave it is taken out, it is found again among the page's days in the window.
 */
import type { Table } from 'dexie';
import { dropHeatWindowsIn } from './heat-windows.js';
import { addCounts, addCountsIn, type CountTable, pageCountsOf } from './page-counts.js';
import { addToPages, emptyPages, type PageRollup, type RollupVisit } from './visit-rollups.js';

/** A range window's days (tail-rollups.ts's TailWindow; not imported: a cycle). */
export interface TailWindow {
  span: number;
  from: string;
  through: string;
}

/** The page key of the visits kept without an address (the `domain` level). */
export const NO_ADDRESS = '';

/**
 * The key (in tailWindows and tailPages) of the 12-month range's pages: a window apart from the
 * 12-month host window (365), moved by a site's pages view in the background, a day a step
 * (visit-queries.ts): a busy year's ~200,000 page rows took 78-90 s to write in one transaction.
 */
export const YEAR_PAGES = -365;

/** The windows whose pages are kept: the 30-day range window and the year's pages. */
export const PAGE_SPANS: readonly number[] = [30, YEAR_PAGES];

export interface TailPage {
  span: number;
  domain: string;
  /** host + path, as PageRollup.pages is keyed; NO_ADDRESS for the visits without one. */
  page: string;
  host: string;
  path: string;
  activeMs: number;
  visits: number;
  title: string | null;
  /** The titled visit's startedMs (0 without a title). */
  titleAt: number;
}

export interface TailPageTables {
  tailPages: Table<TailPage, [number, string, string]>;
  pageRollups: Table<PageRollup, [string, string]>;
}

/** Signed sums for one window's page, with the title an added visit brings. */
export interface PageChange {
  row: TailPage;
  /** The titleAt of titles taken out: the row's title goes if it is one of them. */
  lost: number[];
}

type Cell = { host: string; path: string; activeMs: number; visits: number } & {
  title: string | null;
  titleAt: number;
};

function cellsOf(row: PageRollup | undefined): Map<string, Cell> {
  const cells = new Map<string, Cell>();
  if (row === undefined) return cells;
  for (const key in row.pages) {
    const cell = row.pages[key];
    if (cell !== undefined) cells.set(key, cell);
  }
  const none = row.withoutAddress;
  if (none.visits !== 0 || none.activeMs !== 0) {
    cells.set(NO_ADDRESS, { host: '', path: '', ...none, title: null, titleAt: 0 });
  }
  return cells;
}

/** A host-day's page rollup before and after a change (undefined: none). */
export interface PageRollupChange {
  before?: PageRollup | undefined;
  after?: PageRollup | undefined;
}

/** The changes to host-days that fall inside each window, per window, host and page. */
export function pageChanges(
  windows: readonly TailWindow[],
  changes: Iterable<PageRollupChange>,
): Map<string, PageChange> {
  const out = new Map<string, PageChange>();
  for (const { before, after } of changes) {
    const of = before ?? after;
    if (of === undefined) continue;
    const inside = windows.filter(
      (w) => PAGE_SPANS.includes(w.span) && of.day >= w.from && of.day <= w.through,
    );
    if (inside.length === 0) continue;
    const was = cellsOf(before);
    const now = cellsOf(after);
    for (const key of new Set([...was.keys(), ...now.keys()])) {
      const a = was.get(key);
      const b = now.get(key);
      const cell = (b ?? a) as Cell;
      const activeMs = (b?.activeMs ?? 0) - (a?.activeMs ?? 0);
      const visits = (b?.visits ?? 0) - (a?.visits ?? 0);
      const titleGone =
        a?.title != null && (b === undefined || b.title !== a.title || b.titleAt !== a.titleAt);
      if (activeMs === 0 && visits === 0 && !titleGone && b?.title === a?.title) continue;
      for (const w of inside) {
        const id = `${w.span}\u0000${of.domain}\u0000${key}`;
        const change = out.get(id) ?? {
          row: {
            span: w.span,
            domain: of.domain,
            page: key,
            host: cell.host,
            path: cell.path,
            activeMs: 0,
            visits: 0,
            title: null,
            titleAt: 0,
          },
          lost: [],
        };
        change.row.activeMs += activeMs;
        change.row.visits += visits;
        if (titleGone && a !== undefined) change.lost.push(a.titleAt);
        if (b?.title != null && (change.row.title === null || b.titleAt >= change.row.titleAt)) {
          change.row.title = b.title;
          change.row.titleAt = b.titleAt;
        }
        out.set(id, change);
      }
    }
  }
  return out;
}

/** `row` with `change` added (its title by the later visit); null when no visit is left. */
function merged(row: TailPage | undefined, change: PageChange): TailPage | null {
  const add = change.row;
  const visits = (row?.visits ?? 0) + add.visits;
  if (visits <= 0) return null;
  const next: TailPage = { ...add, activeMs: (row?.activeMs ?? 0) + add.activeMs, visits };
  const keep = row !== undefined && row.title !== null && !change.lost.includes(row.titleAt);
  next.title = keep ? row.title : null;
  next.titleAt = keep ? row.titleAt : 0;
  if (add.title !== null && (next.title === null || add.titleAt >= next.titleAt)) {
    next.title = add.title;
    next.titleAt = add.titleAt;
  }
  return next;
}

/**
 * Applies `changes` to the rows, inside the caller's Dexie transaction (tailPages and
 * pageRollups); a page whose title was taken out gets the latest one left among its days in
 * `windows` (read from the page rollups, which must already hold the change).
 */
export async function applyPageChanges(
  db: TailPageTables,
  changes: Map<string, PageChange>,
  windows: readonly TailWindow[],
): Promise<void> {
  if (changes.size === 0) return;
  const list = [...changes.values()];
  const rows = await db.tailPages.bulkGet(list.map((c) => [c.row.span, c.row.domain, c.row.page]));
  const put: TailPage[] = [];
  const gone: [number, string, string][] = [];
  const untitled: TailPage[] = [];
  const added: TailPage[] = [];
  const removed: TailPage[] = [];
  list.forEach((change, i) => {
    const row = rows[i];
    const next = merged(row, change);
    if (next === null) {
      if (row !== undefined) removed.push(row);
      gone.push([change.row.span, change.row.domain, change.row.page]);
      return;
    }
    if (row === undefined) added.push(next);
    put.push(next);
    if (row?.title != null && change.lost.includes(row.titleAt)) untitled.push(next);
  });
  await refindTitles(db, untitled, windows);
  const lost = pageCountsOf(removed).map((c) => ({ ...c, count: -c.count }));
  await Promise.all([
    db.tailPages.bulkDelete(gone),
    db.tailPages.bulkPut(put),
    addCounts(db.tailPages as unknown as CountTable, [...pageCountsOf(added), ...lost]),
  ]);
}

/** Sets each row's title to its page's latest titled visit over its window's days. */
async function refindTitles(
  db: TailPageTables,
  rows: readonly TailPage[],
  windows: readonly TailWindow[],
): Promise<void> {
  const byHost = new Map<string, TailPage[]>();
  for (const row of rows) {
    const key = `${row.span}\u0000${row.domain}`;
    byHost.set(key, [...(byHost.get(key) ?? []), row]);
  }
  for (const group of byHost.values()) {
    const first = group[0] as TailPage;
    const w = windows.find((x) => x.span === first.span);
    if (w === undefined) continue;
    const days = await db.pageRollups
      .where('[domain+day]')
      .between([first.domain, w.from], [first.domain, w.through], true, true)
      .toArray();
    for (const row of group) {
      row.title = null;
      row.titleAt = 0;
      for (const day of days) {
        const cell = day.pages[row.page];
        if (cell?.title != null && (row.title === null || cell.titleAt >= row.titleAt)) {
          row.title = cell.title;
          row.titleAt = cell.titleAt;
        }
      }
    }
  }
}

/**
 * Adds visits just stored to the windows holding their days, on the recorder's own IndexedDB
 * transaction (record-visits.ts): a read and a put per page, only for visits inside a window.
 */
export function addTailPagesIn(
  tx: IDBTransaction,
  windows: readonly TailWindow[],
  visits: readonly { visit: RollupVisit; day: string }[],
): void {
  dropHeatWindowsIn(tx, windows, visits); // Their heat rollups changed (heat-windows.ts).
  const inWindow = visits.filter(({ day }) =>
    windows.some((w) => day >= w.from && day <= w.through),
  );
  if (inWindow.length === 0) return;
  const days = new Map<string, PageRollup>();
  for (const { visit, day } of inWindow) {
    const key = `${visit.domain}\u0000${day}`;
    const row = days.get(key) ?? emptyPages(visit.domain, day);
    addToPages(row, visit);
    days.set(key, row);
  }
  const store = tx.objectStore('tailPages');
  const changes = [
    ...pageChanges(
      windows,
      [...days.values()].map((after) => ({ after })),
    ).values(),
  ];
  // New rows counted once every get has answered (in order: a count's get follows each put).
  const fresh: TailPage[] = [];
  let waiting = changes.length;
  for (const change of changes) {
    const key = [change.row.span, change.row.domain, change.row.page];
    const request = store.get(key);
    request.onsuccess = () => {
      const row = request.result as TailPage | undefined;
      const next = merged(row, change);
      if (next !== null) {
        store.put(next);
        if (row === undefined) fresh.push(next);
      }
      waiting -= 1;
      if (waiting === 0) addCountsIn(store, fresh);
    };
  }
}

/** Deletes window `span`'s rows and builds them from `days` (its host-days' page rollups). */
export async function rebuildTailPages(
  db: TailPageTables,
  span: number,
  days: readonly PageRollup[],
): Promise<void> {
  await db.tailPages
    .where('[span+domain+page]')
    // [span] sorts before every [span, ...] key, [span + 1] after (Dexie.maxKey, an array, may
    // not be met twice in one key).
    .between([span], [span + 1], true, false)
    .delete();
  const all = { span, from: '', through: '\uffff' };
  const rows = [
    ...pageChanges(
      [all],
      days.map((after) => ({ after })),
    ).values(),
  ].map((c) => c.row);
  await Promise.all([
    db.tailPages.bulkPut(rows),
    (db.tailPages as unknown as CountTable).bulkPut(pageCountsOf(rows)),
  ]);
}
