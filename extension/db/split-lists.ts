/**
 * A range window's daily rollups summed per chart bar and host, kept as one record of columns
 * (in hostLists, key splitListKey(span)): the options page's chart split by category reads it,
 * where it read every daily rollup of the range (51,365 rows for the bench's 12 months; a
 * month's bar holds each host once). Hosts, not categories: the person's categories label them
 * at read time, so a category changed shows at once.
 *
 * A split holds while three rows say the same window: the window itself (tailWindows, key
 * span), the split's marker (tailWindows, key splitListKey(span)) and the split. It is built
 * only with the window in place, in one read-write transaction that reads the window's daily
 * rollups; from then on every change to a daily rollup of the window's days changes its host
 * rows too, and deletes the marker in its transaction (host-lists.ts's dropHostLists and
 * dropHostListsIn, which addSums, addTailSumsIn and a window's rebuild call), and a window's
 * move leaves a window the split does not say.
 */
import { Dexie, type Table } from 'dexie';
import { splitListKey } from './host-lists.js';
import type { TracksphereDb } from './schema.js';

/** Figures per bar and host, as columns: entry i is `bars[bar[i]]`, `domains[host[i]]`. */
export interface SplitColumns {
  /** Each bar's key (a day in it). */
  bars: string[];
  domains: string[];
  bar: ArrayLike<number>;
  host: ArrayLike<number>;
  activeMs: ArrayLike<number>;
}

/**
 * A window's split as kept: typed arrays, which IndexedDB reads back as one copy each where an
 * array of numbers is read number by number (a year holds ~15,000 bar-host entries).
 */
export interface SplitList extends SplitColumns {
  /** splitListKey(span): the hostLists key. */
  span: number;
  from: string;
  through: string;
  /** What the bars' keys were made by (a change of it must not read an old split). */
  unit: string;
  bar: Uint16Array;
  host: Uint32Array;
  activeMs: Float64Array;
}

/** A bar's active time on one host: `day` is the bar's key, a day inside it. */
export interface BarHostTime {
  day: string;
  domain: string;
  activeMs: number;
}

interface WindowRow {
  span: number;
  from: string;
  through: string;
}

/** The split of `rows` (daily rollups) by bar (`barOf` a row's day) and host. */
export function splitListOf(
  span: number,
  window: { from: string; through: string },
  unit: string,
  rows: readonly { day: string; domain: string; activeMs: number }[],
  barOf: (day: string) => string,
): SplitList {
  const bars = new Map<string, number>();
  const hosts = new Map<string, number>();
  const cells = new Map<number, number>();
  const list = { bars: [] as string[], domains: [] as string[] };
  const columns = { bar: [] as number[], host: [] as number[], activeMs: [] as number[] };
  // A row's day's bar, looked up once per day: a year's rows hold 364 days.
  const barOfDay = new Map<string, number>();
  for (const row of rows) {
    let b = barOfDay.get(row.day);
    if (b === undefined) {
      const key = barOf(row.day);
      b = bars.get(key);
      if (b === undefined) {
        b = list.bars.push(key) - 1;
        bars.set(key, b);
      }
      barOfDay.set(row.day, b);
    }
    let h = hosts.get(row.domain);
    if (h === undefined) {
      h = list.domains.push(row.domain) - 1;
      hosts.set(row.domain, h);
    }
    // Hosts fewer than 2^20, bars fewer than 2^11 (a chart has 31 at most): one number names
    // the cell.
    const cell = b * 1_048_576 + h;
    const at = cells.get(cell);
    if (at === undefined) {
      cells.set(cell, columns.bar.length);
      columns.bar.push(b);
      columns.host.push(h);
      columns.activeMs.push(row.activeMs);
    } else columns.activeMs[at] = (columns.activeMs[at] ?? 0) + row.activeMs;
  }
  return {
    span: splitListKey(span),
    from: window.from,
    through: window.through,
    unit,
    ...list,
    bar: Uint16Array.from(columns.bar),
    host: Uint32Array.from(columns.host),
    activeMs: Float64Array.from(columns.activeMs),
  };
}

/** The rows a split holds, one per bar and host. */
export function splitRows(list: SplitColumns): BarHostTime[] {
  return Array.from({ length: list.bar.length }, (_, i) => ({
    day: list.bars[list.bar[i] ?? 0] ?? '',
    domain: list.domains[list.host[i] ?? 0] ?? '',
    activeMs: list.activeMs[i] ?? 0,
  }));
}

/** The columns a split holds (the figures of its window alone, no key). */
function columnsOf(list: SplitList): SplitColumns {
  const { bars, domains, bar, host, activeMs } = list;
  return { bars, domains, bar, host, activeMs };
}

/**
 * Window `span`'s split over [from, through] by `unit`'s bars (`barOf`): the kept one when it
 * holds, else built from the window's daily rollups and kept when the window is in place; null
 * when it is not (the caller reads the daily rollups itself).
 */
export async function windowSplit(
  db: TracksphereDb,
  span: number,
  window: { from: string; through: string },
  unit: string,
  barOf: (day: string) => string,
): Promise<SplitColumns | null> {
  const splits = db.hostLists as unknown as Table<SplitList, number>;
  const same = (w: { from: string; through: string } | undefined) =>
    w?.from === window.from && w.through === window.through;
  const kept = async (): Promise<SplitColumns | null | 'absent'> => {
    const [current, marker, list] = await Promise.all([
      db.tailWindows.get(span) as Promise<WindowRow | undefined>,
      db.tailWindows.get(splitListKey(span)) as Promise<WindowRow | undefined>,
      splits.get(splitListKey(span)),
    ]);
    if (!same(current)) return null;
    return same(marker) && same(list) && list?.unit === unit ? columnsOf(list) : 'absent';
  };
  // A split in place is read in a read-only transaction (nothing to commit).
  const read = await db.transaction('r', [db.tailWindows, db.hostLists], kept);
  if (read !== 'absent') return read;
  return db.transaction('rw', [db.tailWindows, db.hostLists, db.dailyRollups], async () => {
    const again = await kept();
    if (again !== 'absent') return again;
    const rows = await db.dailyRollups
      .where('[day+domain]')
      .between([window.from, Dexie.minKey], [window.through, Dexie.maxKey], true, true)
      .toArray();
    const list = splitListOf(span, window, unit, rows, barOf);
    await Promise.all([
      splits.put(list),
      db.tailWindows.put({ span: splitListKey(span), from: window.from, through: window.through }),
    ]);
    return columnsOf(list);
  });
}
