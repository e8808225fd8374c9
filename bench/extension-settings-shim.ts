/**
 * The extension's settings module as the benchmark bundle gives it to
 * extension/background/tracker-service.ts: everything is the real module except
 * the two items holding the background's own tracker state, which get keys of
 * their own. The benchmark's tracker service then does the same storage.local
 * reads and writes per event as the background, on the same storage area,
 * without racing the installed background's tracker (its checkpoint alarm
 * rewrites `local:trackerState` every minute).
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
