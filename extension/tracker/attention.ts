import { noteActivitySpan } from './session.js';
import { WINDOW_ID_NONE } from './tracker-events.js';
import type { TrackerState } from './tracker-state.js';

/**
 * Whether the page in a tab has the person's attention: it is the active tab
 * of the focused window while the person is not idle or locked, or it plays
 * sound. Only one tab can pass the first test, so tabs accrue time together
 * only through audibility.
 */
export function isAttended(state: TrackerState, tabId: number): boolean {
  const tab = state.tabs[String(tabId)];
  if (tab === undefined) return false;
  if (tab.audible) return true;
  return (
    state.idle === 'active' &&
    state.focusedWindowId !== WINDOW_ID_NONE &&
    tab.windowId === state.focusedWindowId &&
    state.activeTabs[String(tab.windowId)] === tabId
  );
}

/** Tabs whose open visit is accruing active time right now. */
export function attendedVisitTabIds(state: TrackerState): number[] {
  return Object.entries(state.tabs)
    .filter(([key, tab]) => tab.visit !== null && isAttended(state, Number(key)))
    .map(([key]) => Number(key));
}

/**
 * Credits the time from the state's clock to `until` to every attended visit.
 * Nothing changes between events, so attention over that span is what it was
 * after the previous event. A span longer than maxGapMs means the machine
 * slept or the browser was not running, so it earns nothing.
 */
export function accrueUntil(state: TrackerState, until: number, maxGapMs: number): void {
  const from = state.clock;
  if (from === null || until <= from || until - from > maxGapMs) return;
  const tabIds = attendedVisitTabIds(state);
  for (const tabId of tabIds) {
    const visit = state.tabs[String(tabId)]?.visit;
    if (visit) visit.activeMs += until - from;
  }
  // Attention held all the way from `from`, so a session gap can only end there.
  if (tabIds.length > 0) noteActivitySpan(state.session, from, until);
}
