/**
 * The latest range of each length the options page offers (30 and 365 days), a row per host
 * (schema version 7): the sum of the host's daily rollups over the window's days, from its
 * first day through the day before the range's last (today, which changes with every visit,
 * is read from the daily rollups). A range's site table then reads a row per host it saw
 * however many days the range holds, where it read a row per host and day (30 days) or per
 * host and month (a year).
 *
 * The window moves when a range of its length ending later is read (range-rollups.ts): it
 * loses the days before the range's first and gains those after its old last, read from the
 * daily rollups; a move of its whole length or more builds it again. Every change to a daily
 * rollup inside a window goes into it in the same transaction: the recorder's (a visit that
 * started before midnight, record-visits.ts), an import's and an erase's (month-rollups.ts).
 */
import { Dexie, type Table } from 'dexie';
import { addDays } from './day.js';
import { dropHostLists, dropHostListsIn, type HostListTables } from './host-lists.js';
import {
  applyPageChanges,
  PAGE_SPANS,
  pageChanges,
  rebuildTailPages,
  type TailPageTables,
  YEAR_PAGES,
} from './tail-pages.js';

/** The range lengths (days) that keep a window: the options page's 30-day and 12-month views. */
export const TAIL_SPANS: readonly number[] = [30, 365];

/**
 * The row of tailWindows that is no range window: the last day the month rollups and day sums
 * hold (month-rollups.ts), read with the windows in the recorder's batch.
 */
export const SUMS_SPAN = 0;

/** One host's figures over a window's days. */
export interface TailRollup {
  span: number;
  domain: string;
  activeMs: number;
  visits: number;
}

/** The days a window's rows sum (both included). */
export interface TailWindow {
  span: number;
  from: string;
  through: string;
  /** When a move last stepped it (ms since the epoch): a move still under way, or abandoned. */
  steppedAt?: number;
}

/** What these rollups need of a daily rollup (schema.ts's; not imported: a cycle). */
interface DailyFigures {
  day: string;
  domain: string;
  activeMs: number;
  visits: number;
}

export interface TailTables extends HostListTables {
  tailRollups: Table<TailRollup, [number, string]>;
  tailWindows: Table<TailWindow, number>;
}

interface WindowTables extends TailTables {
  dailyRollups: Table<DailyFigures, [string, string]>;
  /** The windows' pages (tail-pages.ts), moved with them; absent before schema version 8. */
  pages?: TailPageTables | undefined;
}

/** The changes to daily rollups that fall inside each window, summed per window and host. */
export function tailSums(
  windows: readonly TailWindow[],
  deltas: Iterable<DailyFigures>,
): TailRollup[] {
  const sums = new Map<string, TailRollup>();
  for (const d of deltas) {
    if (d.activeMs === 0 && d.visits === 0) continue;
    for (const w of windows) {
      // Only the range windows keep host rows (not the sums' row, nor the year's pages').
      if (!TAIL_SPANS.includes(w.span) || d.day < w.from || d.day > w.through) continue;
      const key = `${w.span}\u0000${d.domain}`;
      const row = sums.get(key) ?? { span: w.span, domain: d.domain, activeMs: 0, visits: 0 };
      row.activeMs += d.activeMs;
      row.visits += d.visits;
      sums.set(key, row);
    }
  }
  return [...sums.values()].filter((r) => r.activeMs !== 0 || r.visits !== 0);
}

/** `row` with `sum` added; null when nothing is left (the row is deleted, as a daily one is). */
export function withSum(row: TailRollup | undefined, sum: TailRollup): TailRollup | null {
  const activeMs = (row?.activeMs ?? 0) + sum.activeMs;
  const visits = (row?.visits ?? 0) + sum.visits;
  if (activeMs === 0 && visits === 0) return null;
  return { span: sum.span, domain: sum.domain, activeMs, visits };
}

async function addSums(db: TailTables, sums: readonly TailRollup[]): Promise<void> {
  if (sums.length === 0) return;
  const rows = await db.tailRollups.bulkGet(sums.map((s) => [s.span, s.domain]));
  const put: TailRollup[] = [];
  const gone: [number, string][] = [];
  sums.forEach((sum, i) => {
    const next = withSum(rows[i], sum);
    if (next === null) gone.push([sum.span, sum.domain]);
    else put.push(next);
  });
  await Promise.all([db.tailRollups.bulkDelete(gone), db.tailRollups.bulkPut(put)]);
  // The windows' lists of hosts (host-lists.ts) no longer hold.
  await dropHostLists(db, sums);
}

/**
 * Applies changes to daily rollups to the windows that hold their days, inside the caller's
 * Dexie transaction (which must include tailRollups and tailWindows).
 */
export async function applyTailDeltas(
  db: TailTables,
  deltas: readonly DailyFigures[],
): Promise<void> {
  if (deltas.length === 0) return;
  const windows = await db.tailWindows.toArray();
  await addSums(db, tailSums(windows, deltas));
}

/**
 * The same for the recorder's own IndexedDB transaction (record-visits.ts), once it knows
 * which visits it stored: a read and a put per row, in the transaction's scope.
 */
export function addTailSumsIn(tx: IDBTransaction, sums: readonly TailRollup[]): void {
  if (sums.length === 0) return;
  dropHostListsIn(tx, sums);
  const store = tx.objectStore('tailRollups');
  for (const sum of sums) {
    const key = [sum.span, sum.domain];
    const request = store.get(key);
    request.onsuccess = () => {
      const next = withSum(request.result as TailRollup | undefined, sum);
      if (next === null) store.delete(key);
      else store.put(next);
    };
  }
}

export function dailyIn(
  db: Pick<WindowTables, 'dailyRollups'>,
  from: string,
  through: string,
): Promise<DailyFigures[]> {
  if (from > through) return Promise.resolve([]);
  return db.dailyRollups
    .where('[day+domain]')
    .between([from, Dexie.minKey], [through, Dexie.maxKey], true, true)
    .toArray();
}

/** Days from `a` to `b` (negative if `b` is earlier). */
function daysFrom(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00Z`) - Date.parse(`${a}T00:00Z`)) / 86_400_000);
}

/** The days a window holds when in place: YEAR_PAGES is the 12-month range's (365). */
function lengthOf(span: number): number {
  return Math.abs(span);
}

/**
 * Moves window `span` from `current` (undefined: none yet) to [from, through], inside the
 * caller's Dexie transaction (tailRollups, tailWindows and dailyRollups, read-write; the pages'
 * tables too for a span of PAGE_SPANS). The range windows (TAIL_SPANS) move their host rows,
 * and the 30-day one its pages; YEAR_PAGES moves only pages.
 */
export async function moveTailWindow(
  db: WindowTables,
  span: number,
  to: { from: string; through: string },
  current: TailWindow | undefined,
): Promise<void> {
  const length = lengthOf(span);
  const hosts = TAIL_SPANS.includes(span);
  const shift = current === undefined ? length : daysFrom(current.from, to.from);
  // Built again unless the days it keeps follow on from those it holds (a window built in
  // steps holds fewer days than its span: windowStep below).
  if (
    current === undefined ||
    shift < 0 ||
    shift >= length ||
    current.through > to.through ||
    to.from > addDays(current.through, 1)
  ) {
    const rows = await dailyIn(db, to.from, to.through);
    if (hosts) {
      await db.tailRollups
        .where('[span+domain]')
        .between([span, Dexie.minKey], [span, Dexie.maxKey], true, true)
        .delete();
      await db.tailRollups.bulkPut(tailSums([{ span, ...to }], rows));
      await dropHostLists(db, [{ span }]);
    }
    if (db.pages !== undefined && PAGE_SPANS.includes(span))
      await rebuildTailPages(db.pages, span, await pagesOf(db.pages, rows));
  } else {
    const [left, entered] = await Promise.all([
      dailyIn(db, current.from, addDays(to.from, -1)),
      dailyIn(db, addDays(current.through, 1), to.through),
    ]);
    const lost = left.map((r) => ({ ...r, activeMs: -r.activeMs, visits: -r.visits }));
    const both = { span, from: current.from, through: to.through };
    if (hosts) {
      await addSums(db, tailSums([both], [...lost, ...entered]));
      // Dropped however the sums came out: a move whose days left and entered net to nothing
      // per host adds no sums, and the lists (the chart's split holds each day's hosts) would
      // stay on disk for the old days, where no erase of those days looks any more.
      await dropHostLists(db, [{ span }]);
    }
    if (db.pages !== undefined && PAGE_SPANS.includes(span)) {
      const [gone, added] = await Promise.all([
        pagesOf(db.pages, left),
        pagesOf(db.pages, entered),
      ]);
      const changes = [...gone.map((before) => ({ before })), ...added.map((after) => ({ after }))];
      await applyPageChanges(db.pages, pageChanges([both], changes), [{ span, ...to }]);
    }
  }
  await db.tailWindows.put({ span, ...to, steppedAt: Date.now() });
}

/** The page rollups of the host-days of `rows` (those of days past retention are gone). */
async function pagesOf(db: TailPageTables, rows: readonly DailyFigures[]) {
  const found = await db.pageRollups.bulkGet(rows.map((r) => [r.domain, r.day]));
  return found.filter((r) => r !== undefined);
}

/**
 * Days of daily rollups one step of a window's build reads, per span: the 30-day window writes
 * its pages too, about 560 rows a day in the bench's busy year (a day's step took up to ~0.7 s
 * there, two days' up to 1.2 s), where the 12-month one writes only hosts; the year's pages
 * (YEAR_PAGES) write as the 30-day window's do, a day a step. Each step is a read-write
 * transaction of its own, which a recording waits for.
 */
const STEP_DAYS: Readonly<Record<number, number>> = { 30: 1, 365: 10, [YEAR_PAGES]: 1 };

/**
 * The next step of moving window `span` from `current` towards `to`, as [from, through] for
 * moveTailWindow: `to` itself when the days that enter are few (a day's move), otherwise the
 * days of `to` from its first (built anew) or past `current`'s last, a step's days at a time.
 * A window is read only once in place, so the steps between show in no view.
 */
export function windowStep(
  span: number,
  to: { from: string; through: string },
  current: TailWindow | undefined,
): { from: string; through: string } {
  const days = STEP_DAYS[span] ?? span;
  const follows =
    current !== undefined &&
    current.from <= to.from &&
    to.from <= addDays(current.through, 1) &&
    current.through <= to.through;
  const last = addDays(follows ? current.through : addDays(to.from, -1), days);
  return { from: to.from, through: last < to.through ? last : to.through };
}

/** The window a range of `span` days ending on `last` keeps: all of it but its last day. */
export function tailWindowOf(span: number, last: string): { from: string; through: string } {
  return { from: addDays(last, 1 - span), through: addDays(last, -1) };
}

/** Schema version 7's upgrade: each window as the range ending `today` keeps it, if any rows. */
export async function buildTailWindows(
  tables: (name: string) => Table,
  today: string,
): Promise<void> {
  const db = {
    tailRollups: tables('tailRollups'),
    tailWindows: tables('tailWindows'),
    dailyRollups: tables('dailyRollups'),
  } as WindowTables;
  if ((await db.dailyRollups.limit(1).count()) === 0) return;
  for (const span of TAIL_SPANS) {
    await moveTailWindow(db, span, tailWindowOf(span, today), undefined);
  }
}

/** Schema version 8's upgrade: the pages of each window in place (tail-pages.ts). */
export async function buildTailPages(tables: (name: string) => Table): Promise<void> {
  const pages = {
    tailPages: tables('tailPages'),
    pageRollups: tables('pageRollups'),
  } as TailPageTables;
  const dailyRollups = tables('dailyRollups') as Table<DailyFigures, [string, string]>;
  for (const w of (await tables('tailWindows').toArray()) as TailWindow[]) {
    if (!PAGE_SPANS.includes(w.span)) continue;
    const rows = await dailyIn({ dailyRollups } as WindowTables, w.from, w.through);
    await rebuildTailPages(pages, w.span, await pagesOf(pages, rows));
  }
}
