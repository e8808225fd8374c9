/**
 * The extension's IndexedDB store: the one schema file (STYLE.md 4). Every
 * other module in db/ reads and writes through repository functions that
 * return plain objects, never Dexie instances or collections.
 */

import { Dexie, type Table } from 'dexie';
import type { Summary, VisitEvent } from '#protocol';
import type { TrackerState } from '../tracker/index.js';
import { addDays, localDayOf } from './day.js';
import type { HeatWindow } from './heat-windows.js';
import type { HostList } from './host-lists.js';
import { buildMonthRollups, type DaySum, limitSums, type MonthRollup } from './month-rollups.js';
import { countTailPages } from './page-counts.js';
import type { TailPage } from './tail-pages.js';
import {
  buildTailPages,
  buildTailWindows,
  type TailRollup,
  type TailWindow,
} from './tail-rollups.js';
import { buildVisitRollups, type HeatRollup, type PageRollup } from './visit-rollups.js';

export type { DaySum, MonthRollup } from './month-rollups.js';
export type { TailPage } from './tail-pages.js';
export type { TailRollup, TailWindow } from './tail-rollups.js';

export type { HeatRollup, PageCell, PageRollup } from './visit-rollups.js';

/**
 * - local: recorded while sync was off; never sent unless the person asks for it;
 * - pending: in the outbox, waiting for the server's acknowledgement;
 * - sent: acknowledged by the server (durably stored there);
 * - rejected: refused by the server as permanently invalid; kept here, never resent.
 */
export type SyncState = 'local' | 'pending' | 'sent' | 'rejected';

export interface StoredVisit extends VisitEvent {
  /**
   * Date.parse(startedAt). The ISO string stays exactly as recorded (the server keys
   * on the raw value); this number is what the indexes sort on, because ISO strings
   * with different zone offsets do not sort in time order.
   */
  startedMs: number;
  syncState: SyncState;
  /** The server's code: a RejectionCode, or an envelope error code (see sync/). */
  rejectCode?: string;
  rejectReason?: string;
  /** When the server acknowledged it (ms since the epoch). */
  sentAt?: number;
  /**
   * The server's receivedAt of the batch that acknowledged it (ms since the epoch): a summary
   * holds it once its appliedThrough for this browser reaches it (stats/all-browsers.ts).
   * Unset: acknowledged by a server that does not say (or not acknowledged).
   */
  ackedAt?: number;
  /**
   * The batches that may have stored it: the acknowledging one, and those sent before that were
   * not answered (the answer lost, they may have reached the server all the same).
   */
  ackBatches?: string[];
}

/** Active time and visit count of one domain on one local calendar day. */
export interface DailyRollup {
  /** 'YYYY-MM-DD', the person's local date of the visit's start. */
  day: string;
  domain: string;
  activeMs: number;
  visits: number;
}

export interface SyncError {
  code: string;
  message: string;
  at: number;
}

/**
 * What the sync client must remember across service-worker restarts. Times are
 * ms since the epoch.
 */
export interface SyncMeta {
  /** Failed attempts in a row; 0 after a success. */
  attempt: number;
  nextAttemptAt: number | null;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  lastError: SyncError | null;
  /** Set on 401/403: no sending until the device registers again or the block is cleared. */
  blocked: boolean;
  /** The batch last sent without an answer, so a retry of the same events reuses its id. */
  inFlight: { batchId: string; eventIds: string[] } | null;
  /**
   * Earlier batches sent without an answer, then followed by a batch of other events: the server
   * may have stored them, so a visit acknowledged later names them (StoredVisit.ackBatches).
   * Each keeps only its events not acknowledged yet; the most recent few batches.
   */
  unanswered?: { batchId: string; eventIds: string[] }[];
}

export interface SyncMetaRow extends SyncMeta {
  key: 'sync';
}

/**
 * The background tracker's state (background/tracker-store.ts), written in the same
 * transaction as the visits it finishes, so both land or neither does.
 */
export interface TrackerStateRow {
  /** 'tracker': the background's own (the bench keeps one under a key of its own). */
  key: string;
  state: TrackerState;
  /** Visits finished earlier that the visits store refused (a failed write): retried next. */
  unrecorded: VisitEvent[];
}

/** A summary without its rows. */
export type SummaryHead = Omit<Summary, 'rows'>;

/** All my browsers' cached summary without its rows (summary-store.ts): what choosing one reads. */
export interface CachedSummaryRange {
  /** The range's zone and days (summaryRangeId): one cached summary per range. */
  id: string;
  summary: SummaryHead;
  /** ms since the epoch, this browser's clock, when it was received. */
  fetchedAt: number;
  rowCount: number;
}

/** One day's rows of a cached summary, a column per field, in the summary's order. */
export interface CachedSummaryDay {
  id: string;
  date: string;
  /** The device ids the day's rows name, each once. */
  deviceIds: string[];
  domains: string[];
  /** Per row, its device's index in deviceIds. */
  devices: number[];
  activeMs: number[];
  visits: number[];
}

export type TracksphereDb = Dexie & {
  visits: Table<StoredVisit, string>;
  dailyRollups: Table<DailyRollup, [string, string]>;
  heatRollups: Table<HeatRollup, string>;
  pageRollups: Table<PageRollup, [string, string]>;
  monthRollups: Table<MonthRollup, [string, string]>;
  daySums: Table<DaySum, string>;
  tailRollups: Table<TailRollup, [number, string]>;
  tailWindows: Table<TailWindow, number>;
  tailPages: Table<TailPage, [number, string, string]>;
  heatWindows: Table<HeatWindow, number>;
  hostLists: Table<HostList, number>;
  meta: Table<SyncMetaRow, string>;
  trackerState: Table<TrackerStateRow, string>;
  summaryRanges: Table<CachedSummaryRange, string>;
  summaryDays: Table<CachedSummaryDay, [string, string]>;
};

/**
 * The visits and every table summed from them. A change to visits writes them in one
 * transaction, so a table added to the sums is added here once for erase and import.
 */
export function visitTables(db: TracksphereDb) {
  return [
    db.visits,
    db.dailyRollups,
    db.heatRollups,
    db.pageRollups,
    db.monthRollups,
    db.daySums,
    db.tailRollups,
    db.tailWindows,
    db.tailPages,
    db.heatWindows,
    db.hostLists,
  ] as const;
}

export const DEFAULT_DB_NAME = 'tracksphere';

export function openTracksphereDb(name: string = DEFAULT_DB_NAME): TracksphereDb {
  const db = new Dexie(name) as TracksphereDb;
  db.version(1).stores({
    visits: 'id, startedMs, domain, syncState, [syncState+startedMs]',
    dailyRollups: '[day+domain], day',
    meta: 'key',
  });
  // Version 2 drops the indexes no query needs: every one is written with each
  // recorded visit (the background records one per event, bench/extension.ts).
  // Dexie serves where('syncState') from [syncState+startedMs] and where('day')
  // from the [day+domain] key (its virtual indexes: a compound index answers a
  // query on its first part); the single-field domain index goes (the totals read
  // the rollups; a site's pages use version 3's compound index). Dexie deletes the indexes on upgrade and keeps every row.
  db.version(2).stores({
    // [syncState+startedMs] answers "the oldest N pending" (and "newest rejected")
    // straight from the index, without reading or sorting other visits.
    visits: 'id, startedMs, [syncState+startedMs]',
    dailyRollups: '[day+domain]',
  });
  // Version 3 adds [domain+startedMs] for a site's pages: the visits of one host in a time
  // range straight from the index (5,000 among 200,000 without reading the rest).
  db.version(3).stores({
    visits: 'id, startedMs, [syncState+startedMs], [domain+startedMs]',
  });
  // Version 4 moves the tracker's state from storage.local into the database, so a finished
  // visit and the state that finished it are one transaction (one write per event where there
  // were two). The state itself moves on the tracker's first load (tracker-store.ts): an upgrade
  // runs in a versionchange transaction, which cannot wait for storage.local.
  db.version(4).stores({ trackerState: 'key' });
  // Version 5 adds the rollups the range views read instead of raw visits: the heatmap's
  // quarter hours per day, and each host's pages per day (visit-rollups.ts). Every path that
  // changes visits keeps them equal to what the stored visits add up to (rollup-upkeep.ts);
  // the upgrade builds them from the visits already stored.
  db.version(5)
    .stores({ heatRollups: 'day', pageRollups: '[domain+day]' })
    .upgrade((tx) => buildVisitRollups(tx, localDayOf));
  // Version 6 adds what the long ranges read instead of a row per host and day: each host's
  // month, and each day over all hosts (month-rollups.ts), the sums of the daily rollups, kept
  // with them by every path that changes one; the upgrade builds them from the daily rollups.
  db.version(6)
    .stores({ monthRollups: '[month+domain]', daySums: 'day' })
    .upgrade((tx) => buildMonthRollups(tx));
  // Version 7 adds the latest 30-day and 12-month ranges as a row per host (tail-rollups.ts),
  // kept with the daily rollups they sum; the upgrade builds them as of today.
  db.version(7)
    .stores({ tailRollups: '[span+domain]', tailWindows: 'span' })
    .upgrade((tx) => buildTailWindows((name) => tx.table(name), localDayOf(Date.now())));
  // Version 8 adds the windows' pages (tail-pages.ts): a site's pages over the latest 30 days or
  // 12 months read its top pages by active time from the index, not every page of every day.
  db.version(8)
    .stores({ tailPages: '[span+domain+page], [span+domain+activeMs]' })
    .upgrade((tx) => buildTailPages((name) => tx.table(name)));
  // Version 9: the month rollups and day sums hold the days up to a last one, yesterday when
  // upgraded, and a range read moves it on (month-rollups.ts's sumsThrough): a visit on a later
  // day, today's, writes neither, two puts fewer per visit. The upgrade takes today's out of them.
  db.version(9)
    .stores({})
    .upgrade((tx) => limitSums(tx, addDays(localDayOf(Date.now()), -1)));
  // Version 10 moves All my browsers' cached summaries here from storage.local (summary-store.ts):
  // Chrome's storage.local holds 10 MB and a busy year of three browsers is 22 MB as JSON, so
  // it was never cached and each view asked for the whole year. A row per cached range, its rows
  // a row per day. The storage.local copy is not carried over (background/link-sync.ts removes
  // it): it is a cache, the next view asks the server once for what it held.
  db.version(10).stores({ summaryRanges: 'id', summaryDays: '[id+date]' });
  // Version 12 keeps each host's count of rows in a window's pages (tail-pages.ts's PageCount),
  // which a site's pages read where they counted the host's rows (thousands for a busy site's
  // year); the upgrade counts the rows already stored.
  db.version(12)
    .stores({})
    .upgrade((tx) => countTailPages((name) => tx.table(name)));
  // Version 14 keeps the heatmap's cells over the latest 30, 90 and 365 days (heat-windows.ts):
  // such a view reads a row and today's rollup, not a rollup a day; and the range windows' host
  // rows as one list each (host-lists.ts). Both built by the first view.
  db.version(14).stores({ heatWindows: 'span', hostLists: 'span' });
  return db;
}
