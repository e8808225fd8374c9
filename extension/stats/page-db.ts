import { localDayOf, openTracksphereDb, type TracksphereDb } from '../db/index.js';

let db: TracksphereDb | undefined;

/**
 * The extension's database as the pages read it: the same IndexedDB the
 * background writes (same extension origin). Pages only read; every write
 * goes through a background message.
 */
export function pageDb(): TracksphereDb {
  db ??= openTracksphereDb();
  return db;
}

/** Today in the person's own time zone, as the rollups are keyed. */
export function localToday(now: number = Date.now()): string {
  return localDayOf(now);
}
