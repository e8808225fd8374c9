/**
 * A range's figures per host and per day, read from the coarsest rollups that cover it
 * exactly: the calendar months wholly inside the range from the month rollups (a row per host
 * and month) and the day sums (a row per day), the days before and after them from the daily
 * rollups (a row per host and day). A year is then twelve months of host rows and two partial
 * months of daily rows, where it was 365 days of daily rows.
 */
import { Dexie } from 'dexie';
import { addDays, localDayOf } from './day.js';
import { keepList, keptList, listedDays, listedHosts } from './host-lists.js';
import { advanceSums, sumsThrough } from './month-rollups.js';
import type { DailyRollup, TracksphereDb } from './schema.js';
import { type DayRange, rollupsInRange } from './stats-queries.js';
import {
  moveTailWindow,
  SUMS_SPAN,
  TAIL_SPANS,
  type TailWindow,
  tailWindowOf,
  windowStep,
} from './tail-rollups.js';
import { laterThan } from './visit-queries.js';

/** A host's figures over part of the range (rows of one host add up). */
export interface HostFigures {
  domain: string;
  activeMs: number;
  visits: number;
}

/** A day's figures over every host. */
export interface DayFigures {
  day: string;
  activeMs: number;
  visits: number;
}

export interface RangeRollups {
  /** Per host, one or more rows each (a host's months and its days outside them). */
  hosts: HostFigures[];
  /** Per day that has any (days without are left out), in no particular order. */
  days: DayFigures[];
}

/** The calendar months wholly inside the range, as their first and last days; null if none. */
export function wholeMonths(range: DayRange): { from: string; to: string } | null {
  const first =
    range.from.slice(8) === '01'
      ? range.from
      : `${addDays(`${range.from.slice(0, 7)}-28`, 4).slice(0, 7)}-01`;
  // The last day of the month before the one the range ends in, unless it ends on its last day.
  const next = addDays(range.to, 1);
  const last = next.slice(8) === '01' ? range.to : addDays(`${range.to.slice(0, 7)}-01`, -1);
  return first <= last ? { from: first, to: last } : null;
}

function daysOf(rows: readonly DailyRollup[]): DayFigures[] {
  const days = new Map<string, DayFigures>();
  for (const r of rows) {
    const d = days.get(r.day) ?? { day: r.day, activeMs: 0, visits: 0 };
    d.activeMs += r.activeMs;
    d.visits += r.visits;
    days.set(r.day, d);
  }
  return [...days.values()];
}

/** Ranges up to this many days read the daily rollups alone (a month gains them little). */
const DAILY_ONLY_DAYS = 31;

/**
 * Days of daily rollups one read-write transaction adds to the sums (advanceSums): 30 took up to
 * 0.9 s in the bench's busy year (~140 hosts a day).
 */
const SUMS_STEP_DAYS = 10;

/**
 * The month rollups and day sums moved on to hold `through` (month-rollups.ts's sumsThrough), in
 * read-write transactions of SUMS_STEP_DAYS days each; none when they hold it already.
 */
async function sumsReaching(db: TracksphereDb, through: string): Promise<void> {
  if (sumsThrough(await db.tailWindows.toArray()) >= through) return;
  const tables = [db.dailyRollups, db.monthRollups, db.daySums, db.tailWindows];
  while (!(await db.transaction('rw', tables, () => advanceSums(db, through, SUMS_STEP_DAYS)))) {
    // Each step commits apart: a recording waits for one.
  }
}

/**
 * A range as long as a window (tail-rollups.ts) and ending no earlier than it: the window's row
 * per host (moved to the range first) and the last day's daily rows; null for any other range.
 * A window already in place is read in a read-only transaction (nothing to commit), and an
 * earlier range is told from it there too; a window that must move is moved and read in one
 * read-write transaction.
 */
async function tailRange(
  db: TracksphereDb,
  range: DayRange,
  move = true,
): Promise<RangeRollups | null> {
  const span = Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000) + 1;
  if (!TAIL_SPANS.includes(span)) return null;
  const window = tailWindowOf(span, range.to);
  const tables = [db.tailWindows, db.tailRollups, db.dailyRollups, db.daySums, db.hostLists];
  // The window's hosts and days from their list (host-lists.ts), one record; without one, from
  // their rows, a record per host and day, and the list written for the next view (read-write).
  const windowOf = async (write: boolean) => {
    const list = await keptList(db, span, window);
    if (list !== null) return { hosts: listedHosts(list), days: listedDays(list) };
    if (!write) return null;
    const [hosts, days] = await Promise.all([
      db.tailRollups
        .where('[span+domain]')
        .between([span, Dexie.minKey], [span, Dexie.maxKey], true, true)
        .toArray(),
      db.daySums.where('day').between(window.from, window.through, true, true).toArray(),
    ]);
    await keepList(db, span, window, hosts, days);
    return { hosts, days };
  };
  const read = async (write: boolean): Promise<RangeRollups | null> => {
    const [kept, last] = await Promise.all([
      windowOf(write),
      rollupsInRange(db, { from: range.to, to: range.to }),
    ]);
    if (kept === null) return null;
    return { hosts: [...kept.hosts, ...last], days: [...kept.days, ...daysOf(last)] };
  };
  const inPlace = (w: TailWindow | undefined) =>
    w?.from === window.from && w.through === window.through;
  // An earlier range (the person paging back) reads as any other, leaving the window be; so does
  // one whose window another page is moving towards a later range (a page open since yesterday
  // beside today's: laterThan).
  const earlier = (w: TailWindow | undefined) => laterThan(w, window, Date.now());
  // The day sums are read up to the window's last day: they must hold it (sumsThrough).
  const summed = (sums: TailWindow | undefined) => (sums?.through ?? '') >= window.through;
  const ready = await db.transaction('r', tables, async () => {
    const [current, sums] = await Promise.all([
      db.tailWindows.get(span),
      db.tailWindows.get(SUMS_SPAN),
    ]);
    if (inPlace(current) && summed(sums)) return read(false);
    return earlier(current) ? 'earlier' : null;
  });
  if (ready === 'earlier') return null;
  // Not in place: moved here, unless the caller reads the daily rollups instead (move false).
  if (ready !== null || !move) return ready;
  // Moved (its pages with it, tail-pages.ts) in steps of a few days' rows, each a read-write
  // transaction of its own (windowStep), so a recording waits for one step, not the whole
  // build (the 30-day window's ~16,000 page rows took 3.5-5.7 s in one); the read follows the
  // last step in its transaction.
  for (;;) {
    const moving = [...tables, db.tailPages, db.pageRollups, db.monthRollups];
    const done = await db.transaction('rw', moving, async () => {
      const current = await db.tailWindows.get(span);
      if (earlier(current)) return 'earlier';
      if (!(await advanceSums(db, window.through, SUMS_STEP_DAYS))) return null;
      if (inPlace(current)) return read(true);
      const next = windowStep(span, window, current);
      await moveTailWindow({ ...tablesOf(db), pages: db }, span, next, current);
      return next.through === window.through ? read(true) : null;
    });
    if (done === 'earlier') return null;
    if (done !== null) return done;
  }
}

function tablesOf(db: TracksphereDb) {
  const { tailRollups, tailWindows, dailyRollups, hostLists } = db;
  return { tailRollups, tailWindows, dailyRollups, hostLists };
}

/**
 * A 30-day range's figures without waiting for a window to move: the window's kept list when it
 * is in place, else every daily rollup of the range. The options page's first view reads so: a
 * window never built (a history older than the windows) moves only after the month sums are
 * built from the first recorded day (9-26 s for the bench's year), and the page's table must
 * not wait for that; the chart's split (category-totals.ts) moves it meanwhile.
 */
export async function keptOrDailyRollups(
  db: TracksphereDb,
  range: DayRange,
): Promise<RangeRollups> {
  const kept = await tailRange(db, range, false);
  if (kept !== null) return kept;
  const rows = await rollupsInRange(db, range);
  return { hosts: rows, days: daysOf(rows) };
}

/**
 * Builds what the long ranges ending `today` read (the month sums up to yesterday, the 30-day
 * and 12-month windows), a step per read-write transaction as their first view would, and
 * answers when they are in place. The import worker runs it once it has answered: after an
 * import of a year into a new database the first 12-month view otherwise waited for the whole
 * history's steps (sums 9-26 s, the window 8-29 s for the bench's year).
 */
export async function prepareLongRanges(db: TracksphereDb, today: string): Promise<void> {
  for (const span of TAIL_SPANS) {
    await rangeRollups(db, { from: addDays(today, 1 - span), to: today });
  }
}

/** The range's figures per host and per day (see above), every read in parallel. */
export async function rangeRollups(db: TracksphereDb, range: DayRange): Promise<RangeRollups> {
  const tail = await tailRange(db, range);
  if (tail !== null) return tail;
  const whole = addDays(range.from, DAILY_ONLY_DAYS) > range.to ? null : wholeMonths(range);
  // Whole months up to yesterday: the sums then need not hold today, which every visit changes.
  const yesterday = addDays(localDayOf(Date.now()), -1);
  const last =
    whole === null || whole.to <= yesterday
      ? whole?.to
      : addDays(`${yesterday.slice(0, 7)}-01`, -1);
  const months =
    whole === null || last === undefined || last < whole.from ? null : { ...whole, to: last };
  if (months !== null) await sumsReaching(db, months.to);
  if (months === null) {
    const rows = await rollupsInRange(db, range);
    return { hosts: rows, days: daysOf(rows) };
  }
  const edges: DayRange[] = [];
  if (range.from < months.from) edges.push({ from: range.from, to: addDays(months.from, -1) });
  if (months.to < range.to) edges.push({ from: addDays(months.to, 1), to: range.to });
  const [monthRows, daySums, ...edgeRows] = await Promise.all([
    db.monthRollups
      .where('[month+domain]')
      .between(
        [months.from.slice(0, 7), Dexie.minKey],
        [months.to.slice(0, 7), Dexie.maxKey],
        true,
        true,
      )
      .toArray(),
    db.daySums.where('day').between(months.from, months.to, true, true).toArray(),
    ...edges.map((edge) => rollupsInRange(db, edge)),
  ]);
  const daily = edgeRows.flat();
  return { hosts: [...monthRows, ...daily], days: [...daySums, ...daysOf(daily)] };
}
