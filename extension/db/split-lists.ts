/**
 * A range window's daily rollups summed per chart bar and host, kept as one record of columns
 * (in hostLists, key splitListKey(span)): the options page's chart split by category reads it,
 * where it read every daily rollup of the range (51,365 rows for the bench's 12 months; a
 * month's bar holds each host once). Hosts, not categories: the person's categories label them
 * at read time, so a category changed shows at once.
 *
 * A split holds while three rows say the same window: the window itself (tailWindows, key
 * span), the split's marker (tailWindows, key splitListKey(span)) and the split. Every change
 * to a daily rollup of the window's days changes its host rows too, and deletes the marker in
 * its transaction (host-lists.ts's dropHostLists and dropHostListsIn, which addSums,
 * addTailSumsIn and a window's rebuild call), and a window's move leaves a window the split does
 * not say. It is built only with the window in place: its marker is put first with a build's
 * token, the window's daily rollups are read in read-only transactions, and the split is kept
 * only where the token is still there (windowSplit): a visit's transaction waits for one of
 * those reads at most, or for the short write of the marker or of the split, never for the
 * whole read.
 */
import type { Table } from 'dexie';
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

/** A split's marker: `build` while a build reads (windowSplit), absent once the split is kept. */
interface MarkerRow extends WindowRow {
  build?: string;
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

/** Daily rollups read in one read-only transaction of a split's build (see below). */
const READ_ROWS = 1_000;
/** Builds whose read a writer overtook before the last, which reads in one transaction. */
const BUILD_ATTEMPTS = 3;

type DailyTime = { day: string; domain: string; activeMs: number };

/**
 * The daily rollups of [from, through], read under Dexie in read-only transactions of READ_ROWS
 * rows one after another. A read-only transaction still holds off a read-write one over the same
 * store created after it, for as long as its read takes (IndexedDB's scheduling; in Chromium a
 * year's 51,466 rows held a visit's transaction 206-228 ms, read-only or read-write alike, 1,000
 * rows 5 ms): a visit's transaction waits for the one read in flight only. `perRead` undefined:
 * one transaction, one snapshot.
 */
async function dailyRowsIn(
  db: TracksphereDb,
  from: string,
  through: string,
  perRead: number | undefined,
): Promise<DailyTime[]> {
  if (!db.isOpen()) await db.open();
  const idb = db.backendDB();
  const rows: DailyTime[] = [];
  let after: [string, string] | null = null;
  for (;;) {
    const lower: [string, string] | [string] = after ?? [from];
    // Keys are [day, domain]: [from] sorts before every key of `from`, [through, []] after
    // every key of `through` (an array sorts after every string).
    const range = IDBKeyRange.bound(lower, [through, []], after !== null, false);
    const chunk = await new Promise<DailyTime[]>((resolve, reject) => {
      const tx = idb.transaction('dailyRollups', 'readonly');
      const read = tx.objectStore('dailyRollups').getAll(range, perRead);
      // Nothing more to ask: the browser ends the transaction once the read is done.
      tx.commit();
      read.onsuccess = () => resolve(read.result);
      tx.onabort = () => reject(tx.error ?? new Error('daily rollups read aborted'));
    });
    for (const row of chunk) rows.push(row);
    const last = chunk[chunk.length - 1];
    if (perRead === undefined || chunk.length < perRead || last === undefined) return rows;
    after = [last.day, last.domain];
  }
}

/**
 * Window `span`'s split over [from, through] by `unit`'s bars (`barOf`): the kept one when it
 * holds, else built from the window's daily rollups and kept when the window is in place; null
 * when it is not (the caller reads the daily rollups itself).
 *
 * A build holds no read-write transaction over the daily rollups, which the recorder writes
 * with every visit: it marks the window's split as being built (the marker with a `build`
 * token, which no read takes for a split), reads the daily rollups in read-only transactions
 * (dailyRowsIn), and keeps the split only if the token is still there with the window in place.
 * Every writer that changes a daily rollup of the window's days deletes the marker in its
 * transaction (as it does a built split's), and a window's move does too, so a kept split holds
 * every change made before its reads and none made after; the visit's path does nothing more
 * for it. When the token is gone, nothing is kept and the build starts again: the read-only
 * reads, each a snapshot of its own rows, may straddle the change. The last of BUILD_ATTEMPTS
 * reads in one read-only transaction, one snapshot, and is drawn even when it is not kept (the
 * next view builds again).
 */
export async function windowSplit(
  db: TracksphereDb,
  span: number,
  window: { from: string; through: string },
  unit: string,
  barOf: (day: string) => string,
): Promise<SplitColumns | null> {
  const splits = db.hostLists as unknown as Table<SplitList, number>;
  const key = splitListKey(span);
  const same = (w: { from: string; through: string } | undefined) =>
    w?.from === window.from && w.through === window.through;
  const markerOf = () => db.tailWindows.get(key) as Promise<MarkerRow | undefined>;
  const kept = async (): Promise<SplitColumns | null | 'absent'> => {
    const [current, marker, list] = await Promise.all([
      db.tailWindows.get(span) as Promise<WindowRow | undefined>,
      markerOf(),
      splits.get(key),
    ]);
    if (!same(current)) return null;
    const holds = same(marker) && marker?.build === undefined;
    return holds && same(list) && list?.unit === unit ? columnsOf(list) : 'absent';
  };
  // A split in place is read in a read-only transaction (nothing to commit).
  const read = await db.transaction('r', [db.tailWindows, db.hostLists], kept);
  if (read !== 'absent') return read;
  for (let attempt = 1; ; attempt += 1) {
    const build = crypto.randomUUID();
    const marked = await db.transaction('rw', [db.tailWindows, db.hostLists], async () => {
      const again = await kept();
      const mark: MarkerRow = { span: key, ...window, build };
      if (again === 'absent') await db.tailWindows.put(mark);
      return again;
    });
    if (marked !== 'absent') return marked;
    const last = attempt === BUILD_ATTEMPTS;
    const rows = await dailyRowsIn(db, window.from, window.through, last ? undefined : READ_ROWS);
    const list = splitListOf(span, window, unit, rows, barOf);
    const held = await db.transaction('rw', [db.tailWindows, db.hostLists], async () => {
      const [current, marker] = await Promise.all([
        db.tailWindows.get(span) as Promise<WindowRow | undefined>,
        markerOf(),
      ]);
      if (!same(current) || marker?.build !== build) return false;
      await Promise.all([splits.put(list), db.tailWindows.put({ span: key, ...window })]);
      return true;
    });
    // Not kept: the reads of the window's days may straddle a change (each is a snapshot of its
    // own rows), so they are read again; the last read, one snapshot, is drawn even so.
    if (held || last) return columnsOf(list);
  }
}
