/**
 * The rollups the long ranges read (schema version 6): each host's figures per calendar month,
 * and each day's figures over all hosts. Both are exactly what the daily rollups add up to
 * (not the visits: daily rollups outlive visits and hold imported figures), so every path that
 * changes a daily rollup hands its change here as a signed delta, in the same transaction
 * (a finished visit's own transaction adds to them as to the others: recorded-rollups.ts).
 * A year's range then reads about a row per host and month, and a row per day for its chart,
 * where it read a row per host and day.
 */
import type { Table, Transaction } from 'dexie';
import { addDays } from './day.js';
import {
  applyTailDeltas,
  dailyIn,
  SUMS_SPAN,
  type TailTables,
  type TailWindow,
} from './tail-rollups.js';

/** What these rollups need of a daily rollup (schema.ts's DailyRollup; not imported: a cycle). */
interface DailyRollup {
  day: string;
  domain: string;
  activeMs: number;
  visits: number;
}

/** The tables these rollups live in (a TracksphereDb, or its tables in a transaction). */
interface MonthTables extends TailTables {
  monthRollups: Table<MonthRollup, [string, string]>;
  daySums: Table<DaySum, string>;
}

/**
 * The last day the month rollups and day sums hold (schema version 9): they sum the daily
 * rollups of the days up to it and of none after, so a visit recorded today (after it) writes
 * neither, two puts fewer in its transaction. The range reads that need later days move it
 * first (advanceSums); '' before any (a new database).
 */
export function sumsThrough(windows: readonly TailWindow[]): string {
  return windows.find((w) => w.span === SUMS_SPAN)?.through ?? '';
}

/** One host's figures over one calendar month: the sum of its daily rollups in that month. */
export interface MonthRollup {
  /** 'YYYY-MM', the month of the daily rollups' local days. */
  month: string;
  domain: string;
  activeMs: number;
  visits: number;
}

/** One local day's figures over every host: the sum of its daily rollups. */
export interface DaySum {
  day: string;
  activeMs: number;
  visits: number;
}

/** A change to one daily rollup: what it gained (or, negative, lost). */
export interface RollupDelta {
  day: string;
  domain: string;
  activeMs: number;
  visits: number;
}

export function monthOf(day: string): string {
  return day.slice(0, 7);
}

/** The key of a host's month in maps (the table's primary key is [month, domain]). */
function monthKey(month: string, domain: string): string {
  return `${month}\u0000${domain}`;
}

/** The deltas summed per host-month and per day; rows that end with nothing are deleted. */
export function groupDeltas(deltas: Iterable<RollupDelta>): {
  months: Map<string, MonthRollup>;
  days: Map<string, DaySum>;
} {
  const months = new Map<string, MonthRollup>();
  const days = new Map<string, DaySum>();
  for (const d of deltas) {
    if (d.activeMs === 0 && d.visits === 0) continue;
    const month = monthOf(d.day);
    const key = monthKey(month, d.domain);
    const m = months.get(key) ?? { month, domain: d.domain, activeMs: 0, visits: 0 };
    m.activeMs += d.activeMs;
    m.visits += d.visits;
    months.set(key, m);
    const s = days.get(d.day) ?? { day: d.day, activeMs: 0, visits: 0 };
    s.activeMs += d.activeMs;
    s.visits += d.visits;
    days.set(d.day, s);
  }
  return { months, days };
}

/** `row` plus `delta`; null when nothing is left (the row is deleted). */
export function plus<T extends { activeMs: number; visits: number }>(
  row: T | undefined,
  delta: T,
): T | null {
  const activeMs = (row?.activeMs ?? 0) + delta.activeMs;
  const visits = (row?.visits ?? 0) + delta.visits;
  if (activeMs === 0 && visits === 0) return null;
  return { ...(row ?? delta), activeMs, visits };
}

/**
 * Applies daily rollups' changes to the month and day rollups and the range windows
 * (tail-rollups.ts), inside the caller's Dexie transaction (which must include monthRollups,
 * daySums, tailRollups and tailWindows: visitTables in schema.ts).
 */
export async function applyRollupDeltas(
  db: MonthTables,
  deltas: Iterable<RollupDelta>,
): Promise<void> {
  const list = [...deltas];
  await applyTailDeltas(db, list);
  const through = sumsThrough(await db.tailWindows.toArray());
  await addSums(
    db,
    list.filter((d) => d.day <= through),
  );
}

/** Adds `deltas` to the month rollups and day sums (caller's transaction). */
async function addSums(db: MonthTables, deltas: Iterable<RollupDelta>): Promise<void> {
  const { months, days } = groupDeltas(deltas);
  if (months.size === 0 && days.size === 0) return;
  const monthDeltas = [...months.values()];
  const dayDeltas = [...days.values()];
  const [monthRows, dayRows] = await Promise.all([
    db.monthRollups.bulkGet(monthDeltas.map((m) => [m.month, m.domain])),
    db.daySums.bulkGet(dayDeltas.map((d) => d.day)),
  ]);
  const monthPut: MonthRollup[] = [];
  const monthGone: [string, string][] = [];
  monthDeltas.forEach((delta, i) => {
    const next = plus(monthRows[i], delta);
    if (next === null) monthGone.push([delta.month, delta.domain]);
    else monthPut.push(next);
  });
  const dayPut: DaySum[] = [];
  const dayGone: string[] = [];
  dayDeltas.forEach((delta, i) => {
    const next = plus(dayRows[i], delta);
    if (next === null) dayGone.push(delta.day);
    else dayPut.push(next);
  });
  await Promise.all([
    db.monthRollups.bulkDelete(monthGone),
    db.monthRollups.bulkPut(monthPut),
    db.daySums.bulkDelete(dayGone),
    db.daySums.bulkPut(dayPut),
  ]);
}

/** The deltas that turn `before` into `after` (rows of the same keys; undefined: none). */
export function deltaOf(before: DailyRollup | undefined, after: DailyRollup | null): RollupDelta {
  const row = (after ?? before) as DailyRollup;
  return {
    day: row.day,
    domain: row.domain,
    activeMs: (after?.activeMs ?? 0) - (before?.activeMs ?? 0),
    visits: (after?.visits ?? 0) - (before?.visits ?? 0),
  };
}

/** Month and day rollups of `rows` (daily rollups), built from nothing. */
export function monthRollupsOf(rows: Iterable<DailyRollup>): {
  months: MonthRollup[];
  days: DaySum[];
} {
  const { months, days } = groupDeltas(rows);
  return {
    months: [...months.values()].filter((m) => m.activeMs !== 0 || m.visits !== 0),
    days: [...days.values()].filter((d) => d.activeMs !== 0 || d.visits !== 0),
  };
}

/** Schema version 6's upgrade: the month and day rollups of the daily rollups stored. */
export async function buildMonthRollups(tx: Transaction): Promise<void> {
  const rows = (await tx.table('dailyRollups').toArray()) as DailyRollup[];
  const { months, days } = monthRollupsOf(rows);
  await tx.table('monthRollups').bulkPut(months);
  await tx.table('daySums').bulkPut(days);
}

/**
 * Moves the sums' last day (sumsThrough) towards `through`, adding the daily rollups of the days
 * it passes, at most `maxDays` of them, inside the caller's read-write transaction (dailyRollups,
 * monthRollups, daySums, tailWindows). Answers whether the sums now reach `through`.
 */
export async function advanceSums(
  db: MonthTables & { dailyRollups: Table<DailyRollup, [string, string]> },
  through: string,
  maxDays: number,
): Promise<boolean> {
  const current = sumsThrough(await db.tailWindows.toArray());
  if (current >= through) return true;
  // The first day after the sums that has daily rollups (a new database's first fold).
  const first =
    current === '' ? (await db.dailyRollups.orderBy(':id').first())?.day : addDays(current, 1);
  const last = first === undefined ? through : addDays(first, maxDays - 1);
  const to = last < through ? last : through;
  if (first !== undefined && first <= to) await addSums(db, await dailyIn(db, first, to));
  await db.tailWindows.put({ span: SUMS_SPAN, from: '', through: to });
  return to === through;
}

/**
 * Schema version 9's upgrade: the sums keep the days up to `through` (yesterday), the days
 * after it taken out of them (today's, which each visit no longer adds to).
 */
export async function limitSums(tx: Transaction, through: string): Promise<void> {
  const db = {
    monthRollups: tx.table('monthRollups'),
    daySums: tx.table('daySums'),
  } as MonthTables;
  const later = (await tx
    .table('dailyRollups')
    .where('[day+domain]')
    .above([through, '\uffff'])
    .toArray()) as DailyRollup[];
  await addSums(
    db,
    later.map((r) => ({ ...r, activeMs: -r.activeMs, visits: -r.visits })),
  );
  await tx.table('tailWindows').put({ span: SUMS_SPAN, from: '', through });
}

/**
 * Adds visits just stored on days the sums hold (before their last day's end: a visit started
 * before midnight, or the sums moved on to today by a range read) to the month rollups and day
 * sums, on the recorder's own IndexedDB transaction (record-visits.ts): a read and a put per row.
 */
export function addSumsIn(
  tx: IDBTransaction,
  through: string,
  added: readonly RollupDelta[],
): void {
  const { months, days } = groupDeltas(added.filter((d) => d.day <= through));
  const rows: Array<[string, IDBValidKey, MonthRollup | DaySum]> = [
    ...[...months.values()].map((m): [string, IDBValidKey, MonthRollup] => [
      'monthRollups',
      [m.month, m.domain],
      m,
    ]),
    ...[...days.values()].map((d): [string, IDBValidKey, DaySum] => ['daySums', d.day, d]),
  ];
  for (const [name, key, delta] of rows) {
    const store = tx.objectStore(name);
    const request = store.get(key);
    request.onsuccess = () => {
      const next = plus(request.result as typeof delta | undefined, delta);
      if (next === null) store.delete(key);
      else store.put(next);
    };
  }
}
