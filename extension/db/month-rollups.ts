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
import { applyTailDeltas, type TailTables } from './tail-rollups.js';

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
  const { months, days } = groupDeltas(list);
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
