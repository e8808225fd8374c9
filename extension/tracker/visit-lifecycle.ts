import { keepsTitle, LIMITS, redactUrl, type Transition, type VisitEvent } from '#protocol';
import { decideRecording, fitUrl, gateReason, redactTitle, siteReason } from '../privacy/index.js';
import { noteActivity, sessionForVisitAt } from './session.js';
import { WINDOW_ID_NONE } from './tracker-events.js';
import type { OpenVisit, TabState, TrackerState } from './tracker-state.js';

export function toVisitEvent(visit: OpenVisit, endedAt: number): VisitEvent {
  return {
    id: visit.id,
    type: 'visit',
    url: visit.url,
    domain: visit.domain,
    title: visit.title,
    startedAt: new Date(visit.startedAt).toISOString(),
    endedAt: new Date(Math.max(endedAt, visit.startedAt)).toISOString(),
    activeMs: visit.activeMs,
    sessionId: visit.sessionId,
    transition: visit.transition,
  };
}

/**
 * What of `visit` lies past the protocol's bound on one visit's active time
 * (LIMITS.maxVisitActiveMs, 31 days), pushed to `finished` as visits of the bound each; returns
 * the visit that goes on with the rest, on the same page and in the same session. A tab that
 * had attention or played sound for a month without a reload or restart (a radio stream, a
 * dashboard on a wall) is real, and the server refuses a visit past the bound. Each piece ends
 * where the next starts, at `at` less the active time still to come, so no piece has more
 * active time than its span (the active time never outruns the clock).
 */
export function splitPastBound(
  visit: OpenVisit,
  at: number,
  newId: () => string,
  finished: VisitEvent[],
): OpenVisit {
  let open = visit;
  while (open.activeMs > LIMITS.maxVisitActiveMs) {
    const rest = open.activeMs - LIMITS.maxVisitActiveMs;
    const cut = at - rest;
    finished.push(toVisitEvent({ ...open, activeMs: LIMITS.maxVisitActiveMs }, cut));
    open = { ...open, id: newId(), startedAt: cut, activeMs: rest, transition: null };
  }
  return open;
}

export function tabOf(state: TrackerState, tabId: number, windowId?: number): TabState {
  const key = String(tabId);
  const known = state.tabs[key];
  if (known) {
    if (windowId !== undefined && windowId !== WINDOW_ID_NONE) known.windowId = windowId;
    return known;
  }
  const created: TabState = {
    windowId: windowId ?? WINDOW_ID_NONE,
    audible: false,
    incognito: false,
    navigated: false,
    visit: null,
  };
  state.tabs[key] = created;
  return created;
}

export function endVisit(
  state: TrackerState,
  tab: TabState,
  at: number,
  finished: VisitEvent[],
): void {
  if (tab.visit === null) return;
  finished.push(toVisitEvent(tab.visit, at));
  noteActivity(state.session, at);
  tab.visit = null;
}

export interface PageShown {
  url: string;
  title?: string | null | undefined;
  transition: Transition | null;
}

/** Starts a visit for the page now in the tab, if the privacy rules allow recording it. */
export function startVisit(
  state: TrackerState,
  tab: TabState,
  page: PageShown,
  at: number,
  newId: () => string,
): void {
  const decision = decideRecording(page.url, { ...state.settings, incognito: tab.incognito });
  if (!decision.record) return;
  const sessionId = sessionForVisitAt(state.session, at, newId);
  tab.visit = {
    id: newId(),
    sessionId,
    url: decision.url,
    domain: decision.domain,
    title: redactTitle(page.title, state.settings.level),
    startedAt: at,
    activeMs: 0,
    transition: page.transition,
  };
}

/**
 * Applies new settings to the visits already open: a visit the new settings
 * would not record ends now, and the rest are redacted again, since a stricter
 * level must cover the page being shown too. A looser level cannot bring back
 * what was already dropped, so it applies from the next visit on.
 */
export function applySettingsToOpenVisits(
  state: TrackerState,
  at: number,
  finished: VisitEvent[],
): void {
  const { settings } = state;
  for (const tab of Object.values(state.tabs)) {
    const visit = tab.visit;
    if (visit === null) continue;
    const stop =
      gateReason({ ...settings, incognito: tab.incognito }) ?? siteReason(visit.domain, settings);
    if (stop !== null) {
      endVisit(state, tab, at, finished);
      continue;
    }
    if (visit.url !== null) {
      const redacted = redactUrl(visit.url, settings.level);
      visit.url = redacted === null ? null : fitUrl(redacted);
    }
    if (!keepsTitle(settings.level)) visit.title = null;
  }
}
