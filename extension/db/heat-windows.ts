/**
 * The heatmap's 168 cells over the latest 30, 90 and 365 days but their last, kept (schema
 * version 14): the "when you browse" view of such a range ending today reads the window's row
 * and today's heat rollup, where it read a heat rollup per day of the range (90 for 90 days).
 *
 * The cells are the heat rollups' quarter hours summed by local weekday and hour, so they
 * hold for one time zone (`zone`, the reader's): a view in another zone builds them again.
 * The window's days are a row of tailWindows (key heatWindowKey(span)), so the recorder's
 * read of the windows tells a visit on a day the cells hold (one started before its last
 * midnight) as it does for the range windows. Whatever changes a heat rollup of a day inside a
 * window drops that window in its transaction (the recorder, import, erase, retention:
 * dropHeatWindowsIn and dropHeatWindows below), and the next view builds it again from the
 * heat rollups: the cells are never read while they differ from the rollups. The build reads
 * what the view read before (a row a day), once a day at most in use: the window must move
 * when the day does.
 */
import type { Dexie, Table } from 'dexie';
import { addDays } from './day.js';
import type { HeatRollup } from './visit-rollups.js';

/** A row of tailWindows (tail-rollups.ts's TailWindow; not imported: a cycle). */
interface TailWindow {
  span: number;
  from: string;
  through: string;
}

/** The range lengths (days) whose heatmap keeps its cells: the options page's presets past 7. */
export const HEAT_SPANS: readonly number[] = [30, 90, 365];

/** The tailWindows key of a heat window: apart from the range windows, sums and year's pages. */
export function heatWindowKey(span: number): number {
  return 1_000 + span;
}

function isHeatKey(key: number): boolean {
  return HEAT_SPANS.some((span) => heatWindowKey(span) === key);
}

/** A heat window's cells (the row of heatWindows, keyed as its tailWindows row). */
export interface HeatWindow {
  span: number;
  from: string;
  through: string;
  /** The time zone the cells were summed in (Intl's name, or a test's). */
  zone: string;
  /** Active ms per cell, Sunday 0:00 first, hour by hour (168). */
  cells: number[];
}

export interface HeatWindowTables {
  tailWindows: Table<TailWindow, number>;
  heatWindows: Table<HeatWindow, number>;
  heatRollups: Table<HeatRollup, string>;
}

/** What the heatmap reads for a range: kept cells (or none) and the heat rollups beside them. */
export interface HeatRead {
  /** The cells of the window's days; null when the range reads every day's row. */
  cells: number[] | null;
  rows: HeatRollup[];
}

function rowsIn(db: HeatWindowTables, from: string, to: string): Promise<HeatRollup[]> {
  if (from > to) return Promise.resolve([]);
  return db.heatRollups.where('day').between(from, to, true, true).toArray();
}

/**
 * The range's heat rollups, through a kept window when the range is one of HEAT_SPANS' ending
 * `today` and `zone` is given: the window's cells and the rows after it (today's). A window not
 * in place (none yet, an earlier day's, another zone's, dropped by a change) is built from the
 * rollups of its days first, with `cellsOf`, in one read-write transaction; one in place is
 * read in a read-only one.
 */
export async function heatRead(
  db: Dexie & HeatWindowTables,
  range: { from: string; to: string },
  today: string,
  zone: string | undefined,
  cellsOf: (rows: readonly HeatRollup[]) => number[],
): Promise<HeatRead> {
  const span = Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000) + 1;
  if (zone === undefined || range.to !== today || !HEAT_SPANS.includes(span)) {
    return { cells: null, rows: await rowsIn(db, range.from, range.to) };
  }
  const key = heatWindowKey(span);
  const through = addDays(range.to, -1);
  const tables = [db.tailWindows, db.heatWindows, db.heatRollups];
  const kept = await db.transaction('r', tables, async () => {
    const [window, row] = await Promise.all([db.tailWindows.get(key), db.heatWindows.get(key)]);
    const inPlace = (w: { from: string; through: string } | undefined) =>
      w?.from === range.from && w.through === through;
    if (!inPlace(window) || !inPlace(row) || row?.zone !== zone) return null;
    return { cells: row.cells, rows: await rowsIn(db, range.to, range.to) };
  });
  if (kept !== null) return kept;
  return db.transaction('rw', tables, async () => {
    const rows = await rowsIn(db, range.from, range.to);
    const cells = cellsOf(rows.filter((r) => r.day <= through));
    const days = { from: range.from, through };
    await Promise.all([
      db.heatWindows.put({ span: key, ...days, zone, cells }),
      db.tailWindows.put({ span: key, ...days }),
    ]);
    return { cells, rows: rows.filter((r) => r.day > through) };
  });
}

/** The heat windows among `windows` that hold any of `days`. */
function holding(windows: readonly TailWindow[], days: Iterable<string>): number[] {
  const list = [...days];
  return windows
    .filter((w) => isHeatKey(w.span) && list.some((d) => d >= w.from && d <= w.through))
    .map((w) => w.span);
}

/**
 * Drops the heat windows holding any of `days` (whose heat rollups the caller changes), inside
 * its Dexie transaction (tailWindows and heatWindows, read-write): import, erase, retention.
 */
export async function dropHeatWindows(
  db: Pick<HeatWindowTables, 'tailWindows' | 'heatWindows'>,
  days: Iterable<string>,
): Promise<void> {
  // Found by the cells' own days, which their window's row shares while it lives: the recorder
  // drops the row alone (dropHeatWindowsIn), and the cells it leaves must go too, as after an
  // erase they must not keep the erased visits' hours.
  const gone = holding(await db.heatWindows.toArray(), days);
  if (gone.length === 0) return;
  await Promise.all([db.tailWindows.bulkDelete(gone), db.heatWindows.bulkDelete(gone)]);
}

/**
 * The same on the recorder's own IndexedDB transaction (record-visits.ts), which read
 * `windows` already: a visit on a day a heat window holds drops its tailWindows row (the cells
 * row stays, unread, until the next build overwrites it or an erase drops it: it is read only
 * with its window's row, and a recording only adds time to it).
 */
export function dropHeatWindowsIn(
  tx: IDBTransaction,
  windows: readonly TailWindow[],
  visits: readonly { day: string }[],
): void {
  const store = tx.objectStore('tailWindows');
  const days = visits.map((v) => v.day);
  for (const key of holding(windows, days)) store.delete(key);
}
