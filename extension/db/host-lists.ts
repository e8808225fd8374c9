/**
 * A range window's host rows (tail-rollups.ts) and day sums (month-rollups.ts) kept as one
 * row, columns of domains, days and figures (schema version 14, hostLists): the 30-day and
 * 12-month views read the list, one IndexedDB record, where they read a record per host the
 * window saw and per day (2,862 and 364 for the bench's year, against a few hundred and 6 for a
 * 7-day history: each record costs the read more than its figures do).
 *
 * The list holds while its marker, a row of tailWindows (key hostListKey(span)), does: every
 * change to a window's host rows deletes it in the same transaction (tail-rollups.ts's addSums,
 * addTailSumsIn and moveTailWindow, which every writer goes through: the recorder, import,
 * erase, the window's moves), and the next view reads the rows and writes the list again. A
 * change through Dexie deletes the list too (an erased site's name must not stay in it); the
 * recorder's own transaction deletes the marker only (its scope holds tailWindows, and a
 * recording adds figures, no name to forget), and the list left is never read without it.
 */
import type { Table } from 'dexie';

/** Rows of tailWindows and tailRollups (tail-rollups.ts's; not imported: a cycle). */
interface TailWindow {
  span: number;
  from: string;
  through: string;
}
interface TailRollup {
  span: number;
  domain: string;
  activeMs: number;
  visits: number;
}
/** A day's sum over every host (month-rollups.ts's DaySum). */
interface DayFigures {
  day: string;
  activeMs: number;
  visits: number;
}

/** One window's host rows as columns. */
export interface HostList {
  /** The window's span (30 or 365). */
  span: number;
  from: string;
  through: string;
  domains: string[];
  activeMs: number[];
  visits: number[];
  /**
   * The window's day sums (those with any time), which change only with its host rows: a
   * change to a daily rollup of a window's day changes both (month-rollups.ts).
   */
  days: string[];
  dayActiveMs: number[];
  dayVisits: number[];
}

export interface HostListTables {
  tailWindows: Table<TailWindow, number>;
  /** Absent in the upgrades before version 14 (the lists do not exist yet). */
  hostLists?: Table<HostList, number> | undefined;
}

/** The tailWindows key of a window's list marker: apart from every window's key. */
export function hostListKey(span: number): number {
  return 2_000 + span;
}

/**
 * The tailWindows key of a window's split marker and the hostLists key of its split
 * (split-lists.ts's, kept here where the drops are): apart from every window's and list's key.
 */
export function splitListKey(span: number): number {
  return 3_000 + span;
}

/** The list of `rows` and `days`, a window's host rows and day sums over [from, through]. */
export function hostListOf(
  span: number,
  window: { from: string; through: string },
  rows: readonly TailRollup[],
  days: readonly DayFigures[],
): HostList {
  return {
    span,
    from: window.from,
    through: window.through,
    domains: rows.map((r) => r.domain),
    activeMs: rows.map((r) => r.activeMs),
    visits: rows.map((r) => r.visits),
    days: days.map((d) => d.day),
    dayActiveMs: days.map((d) => d.activeMs),
    dayVisits: days.map((d) => d.visits),
  };
}

/** The day sums a list holds. */
export function listedDays(list: HostList): DayFigures[] {
  return list.days.map((day, i) => ({
    day,
    activeMs: list.dayActiveMs[i] ?? 0,
    visits: list.dayVisits[i] ?? 0,
  }));
}

/** The host rows a list holds. */
export function listedHosts(list: HostList): TailRollup[] {
  return list.domains.map((domain, i) => ({
    span: list.span,
    domain,
    activeMs: list.activeMs[i] ?? 0,
    visits: list.visits[i] ?? 0,
  }));
}

/**
 * The window's list when it holds: its marker and the list both there, for the window's days.
 * Inside the caller's transaction (tailWindows and hostLists).
 */
export async function keptList(
  db: Required<HostListTables>,
  span: number,
  window: { from: string; through: string },
): Promise<HostList | null> {
  const [marker, list] = await Promise.all([
    db.tailWindows.get(hostListKey(span)),
    db.hostLists.get(span),
  ]);
  const holds = (w: { from: string; through: string } | undefined) =>
    w?.from === window.from && w.through === window.through;
  return holds(marker) && holds(list) ? (list as HostList) : null;
}

/** Writes the list of `rows` and its marker (caller's read-write transaction). */
export async function keepList(
  db: Required<HostListTables>,
  span: number,
  window: { from: string; through: string },
  rows: readonly TailRollup[],
  daySums: readonly DayFigures[],
): Promise<void> {
  const days = { from: window.from, through: window.through };
  await Promise.all([
    db.hostLists.put(hostListOf(span, days, rows, daySums)),
    db.tailWindows.put({ span: hostListKey(span), ...days }),
  ]);
}

/** Drops the lists of the windows whose rows the caller changes (Dexie transaction). */
export async function dropHostLists(
  db: HostListTables,
  rows: readonly { span: number }[],
): Promise<void> {
  const list = [...new Set(rows.map((r) => r.span))];
  if (list.length === 0) return;
  // The windows' splits by chart bar (split-lists.ts) with them: they hold the same days.
  await Promise.all([
    db.tailWindows.bulkDelete([...list.map(hostListKey), ...list.map(splitListKey)]),
    db.hostLists?.bulkDelete([...list, ...list.map(splitListKey)]),
  ]);
}

/**
 * The same on the recorder's own IndexedDB transaction: the markers only (see above; a
 * recording adds figures, no name to forget).
 */
export function dropHostListsIn(tx: IDBTransaction, rows: readonly { span: number }[]): void {
  const store = tx.objectStore('tailWindows');
  for (const span of new Set(rows.map((r) => r.span))) {
    store.delete(hostListKey(span));
    store.delete(splitListKey(span));
  }
}
