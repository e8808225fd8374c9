// Shared by the tracker's tests: event builders on a fixed timeline and a runner.
import type { Transition, VisitEvent } from '#protocol';
import type { RecordingSettings } from '../privacy/index.js';
import { step } from './step.js';
import { type IdleState, type TrackerEvent, WINDOW_ID_NONE } from './tracker-events.js';
import { DEFAULT_SETTINGS, initialTrackerState, type TrackerState } from './tracker-state.js';

/** Monday 2025-01-06 09:00:00 UTC; every builder takes ms after this. */
export const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
export const SEC = 1000;
export const MIN = 60 * SEC;

export function iso(offsetMs: number): string {
  return new Date(T0 + offsetMs).toISOString();
}

/** Deterministic UUID-shaped ids (version 7, variant 8) from a counter. */
export function counterIds(): () => string {
  let n = 0;
  return () => {
    n += 1;
    return `00000000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
  };
}

export const CONSENTED: RecordingSettings = { ...DEFAULT_SETTINGS, consent: true };

interface PageOptions {
  windowId?: number;
  title?: string;
  transition?: Transition | null;
  incognito?: boolean;
}

export const ev = {
  nav: (t: number, tabId: number, url: string, o: PageOptions = {}): TrackerEvent => ({
    type: 'navigationCommitted',
    at: T0 + t,
    tabId,
    windowId: o.windowId ?? 1,
    url,
    title: o.title,
    transition: o.transition === undefined ? 'link' : o.transition,
    incognito: o.incognito ?? false,
  }),
  spa: (t: number, tabId: number, url: string, o: PageOptions = {}): TrackerEvent => ({
    type: 'historyStateUpdated',
    at: T0 + t,
    tabId,
    windowId: o.windowId ?? 1,
    url,
    title: o.title,
    incognito: o.incognito ?? false,
  }),
  title: (t: number, tabId: number, title: string): TrackerEvent => ({
    type: 'titleChanged',
    at: T0 + t,
    tabId,
    title,
  }),
  activate: (t: number, tabId: number, windowId = 1): TrackerEvent => ({
    type: 'tabActivated',
    at: T0 + t,
    tabId,
    windowId,
  }),
  remove: (t: number, tabId: number): TrackerEvent => ({ type: 'tabRemoved', at: T0 + t, tabId }),
  replace: (t: number, addedTabId: number, removedTabId: number): TrackerEvent => ({
    type: 'tabReplaced',
    at: T0 + t,
    addedTabId,
    removedTabId,
  }),
  focus: (t: number, windowId: number): TrackerEvent => ({
    type: 'windowFocusChanged',
    at: T0 + t,
    windowId,
  }),
  blur: (t: number): TrackerEvent => ({
    type: 'windowFocusChanged',
    at: T0 + t,
    windowId: WINDOW_ID_NONE,
  }),
  idle: (t: number, state: IdleState): TrackerEvent => ({
    type: 'idleStateChanged',
    at: T0 + t,
    state,
  }),
  audible: (t: number, tabId: number, audible: boolean): TrackerEvent => ({
    type: 'audibleChanged',
    at: T0 + t,
    tabId,
    audible,
  }),
  checkpoint: (t: number): TrackerEvent => ({ type: 'checkpoint', at: T0 + t }),
  startup: (t: number): TrackerEvent => ({ type: 'startup', at: T0 + t }),
  settings: (t: number, changes: Partial<RecordingSettings>): TrackerEvent => ({
    type: 'settingsChanged',
    at: T0 + t,
    settings: { ...CONSENTED, ...changes },
  }),
};

/** Window 1 focused with tab 1 active, as the shell reports at start. */
export function browserOpen(t = 0): TrackerEvent[] {
  return [ev.focus(t, 1), ev.activate(t, 1, 1)];
}

export interface RunResult {
  state: TrackerState;
  finished: VisitEvent[];
}

export interface RunOptions {
  settings?: RecordingSettings;
  state?: TrackerState;
  newId?: () => string;
  maxAccrualGapMs?: number;
}

/**
 * Applies events in order, passing the state through JSON between steps the
 * way a service worker that is killed and restarted would.
 */
export function run(events: readonly TrackerEvent[], options: RunOptions = {}): RunResult {
  let state = options.state ?? initialTrackerState(options.settings ?? CONSENTED);
  const newId = options.newId ?? counterIds();
  const finished: VisitEvent[] = [];
  for (const event of events) {
    const result = step(state, event, {
      newId,
      ...(options.maxAccrualGapMs === undefined
        ? {}
        : { maxAccrualGapMs: options.maxAccrualGapMs }),
    });
    finished.push(...result.finished);
    state = JSON.parse(JSON.stringify(result.state)) as TrackerState;
  }
  return { state, finished };
}
