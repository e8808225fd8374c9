/**
 * The extension's settings module as the benchmark bundle gives it to
 * extension/background/tracker-store.ts: everything is the real module except
 * the two items that held the tracker state before database version 4, which
 * get keys of their own. The benchmark's tracker store then reads (and clears)
 * those on the same storage area as the background, without touching the
 * installed background's (its row in the database has a key of its own too).
 */
import { storage } from 'wxt/utils/storage';
import type { VisitEvent } from '#protocol';
import type { TrackerState } from '../extension/tracker/index.js';

export * from '../extension/settings/index.js';

export const trackerStateItem = storage.defineItem<TrackerState | null>('local:benchTrackerState', {
  fallback: null,
  version: 1,
});

export const unrecordedVisitsItem = storage.defineItem<VisitEvent[]>(
  'local:benchUnrecordedVisits',
  { fallback: [], version: 1 },
);
