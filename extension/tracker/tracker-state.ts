import type { Transition } from '#protocol';
import type { RecordingSettings } from '../privacy/index.js';
import { type IdleState, WINDOW_ID_NONE } from './tracker-events.js';

/** A visit still being shown. Times are ms since the epoch; url and title already redacted. */
export interface OpenVisit {
  id: string;
  sessionId: string;
  url: string | null;
  domain: string;
  title: string | null;
  startedAt: number;
  activeMs: number;
  transition: Transition | null;
}

export interface TabState {
  /** WINDOW_ID_NONE until an event names the tab's window. */
  windowId: number;
  audible: boolean;
  incognito: boolean;
  /** Whether a navigation was seen for this tab id (tells prerender from discard on replace). */
  navigated: boolean;
  /** Null when the page shown is not recorded (or none is known). */
  visit: OpenVisit | null;
}

export interface SessionState {
  /** Null when the next visit must start a new session. */
  id: string | null;
  /** Last instant a visit started or ended, or a visit had the person's attention. */
  lastActivityAt: number | null;
}

/**
 * Everything the tracker knows, as plain JSON: the shell persists it after
 * every step, because MV3 service workers are killed when idle. Maps are keyed
 * by the decimal tab or window id.
 */
export interface TrackerState {
  version: 1;
  settings: RecordingSettings;
  tabs: Record<string, TabState>;
  /** windowId -> its active tabId. */
  activeTabs: Record<string, number>;
  focusedWindowId: number;
  idle: IdleState;
  /** Time of the last event applied: active time is accounted up to here. */
  clock: number | null;
  lastCheckpointAt: number | null;
  session: SessionState;
}

/** Nothing is recorded before the person consents. */
export const DEFAULT_SETTINGS: RecordingSettings = {
  consent: false,
  pausedAll: false,
  level: 'full',
  pausedSites: [],
  allowlistOnly: false,
  allowlist: [],
};

export function initialTrackerState(settings: RecordingSettings = DEFAULT_SETTINGS): TrackerState {
  return {
    version: 1,
    settings,
    tabs: {},
    activeTabs: {},
    focusedWindowId: WINDOW_ID_NONE,
    idle: 'active',
    clock: null,
    lastCheckpointAt: null,
    session: { id: null, lastActivityAt: null },
  };
}

/** A deep copy of plain JSON data (objects, arrays and primitives). */
function copyJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJson) as T;
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = copyJson((value as Record<string, unknown>)[key]);
  return out as T;
}

/**
 * A copy of the state that shares nothing with it, for a step to change: the state is plain
 * JSON, which a copy made here reads several times faster than structuredClone writes and reads
 * back (it is made with every event, in the recorder's path: bench/extension.ts).
 */
export function copyState(state: TrackerState): TrackerState {
  return copyJson(state);
}
