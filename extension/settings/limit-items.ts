/**
 * The daily limits and what happened to them today (limits/limits.ts), in
 * storage.local like every setting (storage-items.ts).
 */
import { storage } from 'wxt/utils/storage';
import type { DailyLimit, LimitDayState } from '../limits/limits.js';
import type { Preferences } from '../messaging/protocol.js';

/** The person's limits, one per target. */
export const limitsItem = storage.defineItem<DailyLimit[]>('local:limits', {
  fallback: [],
  version: 1,
});

/**
 * Today's notices, snoozes and "open anyway" choices: stored, so a worker
 * restart neither repeats a notice nor forgets a choice; a new day replaces it.
 */
export const limitDayItem = storage.defineItem<LimitDayState | null>('local:limitDay', {
  fallback: null,
  version: 1,
});

export type WeekStart = Preferences['weekStart'];
export type Theme = Preferences['theme'];

/** The first day of the week, for the weekly views. */
export const weekStartItem = storage.defineItem<WeekStart>('local:weekStart', {
  fallback: 'monday',
  version: 1,
});

/** The pages' colours: the system's by default. */
export const themeItem = storage.defineItem<Theme>('local:theme', {
  fallback: 'system',
  version: 1,
});
