/**
 * The rollup tables a finished visit's own transaction keeps (record-visits.ts), one entry
 * each: a table added to that transaction is one more entry here, and the recorder reads,
 * guesses and writes its rows as it does the others'.
 */
import { type DaySum, type MonthRollup, monthOf } from './month-rollups.js';
import type { DailyRollup, StoredVisit } from './schema.js';
import {
  addToPages,
  applyHeat,
  emptyHeat,
  emptyPages,
  type HeatRollup,
  type PageRollup,
} from './visit-rollups.js';

export interface RecordedRollup<Row> {
  /** The object store (Dexie table) of the rows. */
  store: string;
  /** The primary key of the row a visit on its local `day` goes into. */
  keyOf(visit: StoredVisit, day: string): string | string[];
  /** That row before any visit. */
  empty(visit: StoredVisit, day: string): Row;
  /** Adds the visit to the row, in place (a copy the recorder owns). */
  add(row: Row, visit: StoredVisit): void;
}

const daily: RecordedRollup<DailyRollup> = {
  store: 'dailyRollups',
  keyOf: (v, day) => [day, v.domain],
  empty: (v, day) => ({ day, domain: v.domain, activeMs: 0, visits: 0 }),
  // In place: the row keeps what imports recorded on it (ImportedRollup in import-history.ts).
  add: (row, v) => {
    row.activeMs += v.activeMs;
    row.visits += 1;
  },
};

const heat: RecordedRollup<HeatRollup> = {
  store: 'heatRollups',
  keyOf: (_v, day) => day,
  empty: (_v, day) => emptyHeat(day),
  add: (row, v) => {
    applyHeat(row, v, 1);
  },
};

const pages: RecordedRollup<PageRollup> = {
  store: 'pageRollups',
  keyOf: (v, day) => [v.domain, day],
  empty: (v, day) => emptyPages(v.domain, day),
  add: addToPages,
};

/** Schema version 6 (month-rollups.ts): the daily rollups' sums per host and month. */
const months: RecordedRollup<MonthRollup> = {
  store: 'monthRollups',
  keyOf: (v, day) => [monthOf(day), v.domain],
  empty: (v, day) => ({ month: monthOf(day), domain: v.domain, activeMs: 0, visits: 0 }),
  add: (row, v) => {
    row.activeMs += v.activeMs;
    row.visits += 1;
  },
};

/** Schema version 6: the daily rollups' sums per day over every host. */
const daySums: RecordedRollup<DaySum> = {
  store: 'daySums',
  keyOf: (_v, day) => day,
  empty: (_v, day) => ({ day, activeMs: 0, visits: 0 }),
  add: (row, v) => {
    row.activeMs += v.activeMs;
    row.visits += 1;
  },
};

/**
 * Each visit's own rows. The month rollups and day sums (`SUMMED_ROLLUPS`) are left out since
 * schema version 9: they hold the days up to their last (month-rollups.ts's sumsThrough), and a
 * visit on a later day (today's, nearly every one) writes neither; one on a day they hold goes
 * into them as into the windows, read and put once the visit is stored (addSumsIn).
 */
// biome-ignore lint/suspicious/noExplicitAny: each entry is typed by its own row.
export const RECORDED_ROLLUPS: readonly RecordedRollup<any>[] = [daily, heat, pages];

/** The month rollups and day sums, each with its own row per visit, as the others. */
// biome-ignore lint/suspicious/noExplicitAny: each entry is typed by its own row.
export const SUMMED_ROLLUPS: readonly RecordedRollup<any>[] = [months, daySums];
