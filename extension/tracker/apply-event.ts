import type { VisitEvent } from '#protocol';
import { decideRecording, redactTitle } from '../privacy/index.js';
import type {
  HistoryStateUpdated,
  NavigationCommitted,
  TabReplaced,
  TrackerEvent,
} from './tracker-events.js';
import type { TrackerState } from './tracker-state.js';
import { applySettingsToOpenVisits, endVisit, startVisit, tabOf } from './visit-lifecycle.js';

interface Effects {
  at: number;
  newId: () => string;
  finished: VisitEvent[];
}

function onNavigationCommitted(state: TrackerState, e: NavigationCommitted, fx: Effects): void {
  const tab = tabOf(state, e.tabId, e.windowId);
  tab.navigated = true;
  // A tab never leaves its private window, so once private always private.
  tab.incognito ||= e.incognito;
  endVisit(state, tab, fx.at, fx.finished);
  startVisit(state, tab, { url: e.url, title: e.title, transition: e.transition }, fx.at, fx.newId);
}

/**
 * A route change less than this after the tab's visit started moves that visit to the new
 * route instead of starting another. A page that changes its route at once (a client-side
 * redirect) is one visit, and one that pushes states in a loop makes at most one a second.
 */
export const MIN_SPA_VISIT_MS = 1_000;

function onHistoryStateUpdated(state: TrackerState, e: HistoryStateUpdated, fx: Effects): void {
  const tab = tabOf(state, e.tabId, e.windowId);
  tab.navigated = true;
  tab.incognito ||= e.incognito;
  const open = tab.visit;
  if (open !== null) {
    // A route change that the privacy level cannot see (only the query at 'path',
    // anything at 'domain', a replaceState to the same URL) is the same visit.
    const next = decideRecording(e.url, { ...state.settings, incognito: tab.incognito });
    const same = next.record && next.url === open.url && next.domain === open.domain;
    if (next.record && (same || fx.at - open.startedAt < MIN_SPA_VISIT_MS)) {
      // A visit moved keeps its id, start, transition, session and active time.
      open.url = next.url;
      open.domain = next.domain;
      open.title = redactTitle(e.title, state.settings.level) ?? open.title;
      return;
    }
  }
  endVisit(state, tab, fx.at, fx.finished);
  startVisit(state, tab, { url: e.url, title: e.title, transition: 'spa' }, fx.at, fx.newId);
}

function onTabReplaced(state: TrackerState, e: TabReplaced, fx: Effects): void {
  if (e.addedTabId === e.removedTabId) return;
  const removedKey = String(e.removedTabId);
  const removed = state.tabs[removedKey];
  const added = state.tabs[String(e.addedTabId)];
  if (removed) {
    if (added?.navigated) {
      // Prerender: the new tab committed its own page; the old page is gone.
      endVisit(state, removed, fx.at, fx.finished);
      added.windowId = removed.windowId;
    } else {
      // Discard and the like: same page under a new id, so the visit goes on.
      state.tabs[String(e.addedTabId)] = { ...removed, audible: added?.audible ?? false };
    }
    delete state.tabs[removedKey];
  }
  for (const [windowKey, tabId] of Object.entries(state.activeTabs)) {
    if (tabId === e.removedTabId) state.activeTabs[windowKey] = e.addedTabId;
  }
}

/** Applies one event to a private draft; time has already been accounted up to fx.at. */
export function applyEvent(state: TrackerState, event: TrackerEvent, fx: Effects): void {
  switch (event.type) {
    case 'navigationCommitted':
      onNavigationCommitted(state, event, fx);
      return;
    case 'historyStateUpdated':
      onHistoryStateUpdated(state, event, fx);
      return;
    case 'titleChanged': {
      const visit = state.tabs[String(event.tabId)]?.visit;
      const title = redactTitle(event.title, state.settings.level);
      // Keep the last real title rather than a URL-like placeholder.
      if (visit && title !== null) visit.title = title;
      return;
    }
    case 'tabActivated':
      tabOf(state, event.tabId, event.windowId);
      state.activeTabs[String(event.windowId)] = event.tabId;
      return;
    case 'tabRemoved': {
      const tab = state.tabs[String(event.tabId)];
      if (tab) endVisit(state, tab, fx.at, fx.finished);
      delete state.tabs[String(event.tabId)];
      for (const [windowKey, tabId] of Object.entries(state.activeTabs)) {
        if (tabId === event.tabId) delete state.activeTabs[windowKey];
      }
      return;
    }
    case 'tabReplaced':
      onTabReplaced(state, event, fx);
      return;
    case 'windowFocusChanged':
      state.focusedWindowId = event.windowId;
      return;
    case 'idleStateChanged':
      state.idle = event.state;
      return;
    case 'audibleChanged':
      tabOf(state, event.tabId).audible = event.audible;
      return;
    case 'checkpoint':
      state.lastCheckpointAt = fx.at;
      return;
    case 'settingsChanged':
      state.settings = event.settings;
      applySettingsToOpenVisits(state, fx.at, fx.finished);
      return;
    case 'startup':
      // Handled by step(): it must not credit the time the browser was down.
      return;
  }
}
