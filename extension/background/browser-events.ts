/**
 * Browser event payloads to tracker events. The shapes below are the fields
 * used, as plain data, so these functions run without a browser.
 */
import { TRANSITIONS, type Transition } from '#protocol';
import {
  type IdleState,
  type TrackerEvent,
  type TrackerState,
  WINDOW_ID_NONE,
} from '../tracker/index.js';

/** webNavigation.onCommitted / onHistoryStateUpdated details. */
export interface NavigationDetails {
  tabId: number;
  frameId: number;
  url: string;
  transitionType?: string;
}

/** The fields of tabs.Tab the tracker needs. */
export interface TabInfo {
  id?: number;
  windowId: number;
  url?: string;
  title?: string;
  incognito: boolean;
  active?: boolean;
  audible?: boolean;
}

/** tabs.get, which rejects once the tab is gone. */
export type GetTab = (tabId: number) => Promise<TabInfo | undefined>;

const KNOWN_TRANSITIONS: ReadonlySet<string> = new Set(TRANSITIONS);

/** The browser's transition type as the wire knows it; an unknown one counts as a link. */
export function toTransition(type: string | undefined): Transition {
  return type !== undefined && KNOWN_TRANSITIONS.has(type) ? (type as Transition) : 'link';
}

export function isTopFrame(details: { frameId: number }): boolean {
  return details.frameId === 0;
}

async function lookUpTab(getTab: GetTab, tabId: number): Promise<TabInfo | undefined> {
  try {
    return await getTab(tabId);
  } catch {
    return undefined;
  }
}

/** What both navigation events carry about the page and its tab. */
async function pageFacts(
  details: NavigationDetails,
  getTab: GetTab,
): Promise<{
  tabId: number;
  windowId: number;
  url: string;
  title: string | null;
  incognito: boolean;
}> {
  const tab = await lookUpTab(getTab, details.tabId);
  return {
    tabId: details.tabId,
    windowId: tab?.windowId ?? WINDOW_ID_NONE,
    url: details.url,
    title: tab?.title ?? null,
    incognito: tab?.incognito ?? false,
  };
}

/**
 * A committed top-level navigation. The details name no window and no
 * private-window flag, so the tab is read when the event's turn comes. A tab
 * that cannot be read (prerendering, or closed since) is reported with no
 * window and as not private: the extension never runs in private windows
 * (manifest incognito: not_allowed), so the flag is the second line of
 * defence and applies whenever the tab can be read.
 */
export function navigationCommitted(
  details: NavigationDetails,
  at: number,
  getTab: GetTab,
): () => Promise<TrackerEvent[]> {
  return async () => [
    {
      type: 'navigationCommitted',
      at,
      ...(await pageFacts(details, getTab)),
      transition: toTransition(details.transitionType),
    },
  ];
}

/** A single-page-app route change (history.pushState and the like). */
export function historyStateUpdated(
  details: NavigationDetails,
  at: number,
  getTab: GetTab,
): () => Promise<TrackerEvent[]> {
  return async () => [{ type: 'historyStateUpdated', at, ...(await pageFacts(details, getTab)) }];
}

/** tabs.onUpdated: only title and audible changes matter to the tracker. */
export function tabUpdated(
  tabId: number,
  change: { title?: string; audible?: boolean },
  at: number,
): TrackerEvent[] {
  const events: TrackerEvent[] = [];
  if (change.title !== undefined)
    events.push({ type: 'titleChanged', at, tabId, title: change.title });
  if (change.audible !== undefined) {
    events.push({ type: 'audibleChanged', at, tabId, audible: change.audible });
  }
  return events;
}

const IDLE_STATES: ReadonlySet<string> = new Set<IdleState>(['active', 'idle', 'locked']);

export function idleStateChanged(state: string, at: number): TrackerEvent | null {
  return IDLE_STATES.has(state)
    ? { type: 'idleStateChanged', at, state: state as IdleState }
    : null;
}

/** The page of each tab that `skip` does not leave out, as a navigation with no transition. */
function shownPages(
  tabs: readonly TabInfo[],
  at: number,
  skip: (tabId: number) => boolean,
): TrackerEvent[] {
  return tabs.flatMap((tab): TrackerEvent[] => {
    if (tab.id === undefined || tab.url === undefined || skip(tab.id)) return [];
    return [
      {
        type: 'navigationCommitted',
        at,
        tabId: tab.id,
        windowId: tab.windowId,
        url: tab.url,
        title: tab.title ?? null,
        transition: null,
        incognito: tab.incognito,
      },
    ];
  });
}

/**
 * Pages already open when the extension was installed or updated, as
 * navigations with no transition. Tabs the tracker already follows (an update
 * keeps tab ids and the saved state) keep their visits.
 */
export function pagesAlreadyOpen(
  state: TrackerState,
  tabs: readonly TabInfo[],
  at: number,
): TrackerEvent[] {
  return shownPages(tabs, at, (id) => state.tabs[String(id)]?.navigated === true);
}

/**
 * The pages shown in tabs that have no open visit, as navigations with no transition: after
 * a settings change (a site resumed, recording turned back on) the page the person is on is
 * recorded from then on, not from the next page. The new settings decide, as for any page.
 */
export function pagesShownWithoutVisit(
  state: TrackerState,
  tabs: readonly TabInfo[],
  at: number,
): TrackerEvent[] {
  return shownPages(tabs, at, (id) => state.tabs[String(id)]?.visit != null);
}

/** What the browser looks like now, read after startup, install or update. */
export interface BrowserSnapshot {
  focusedWindowId: number;
  /** Every open tab (for pages already open) or only the active and audible ones. */
  tabs: readonly TabInfo[];
  idle: string;
}

/**
 * The events that tell the tracker the present state of the browser (tracker
 * README, "What the shell has to send"): pages already open (after install or
 * update), the focused window, each window's active tab, idle state and
 * audible tabs.
 */
export function snapshotEvents(
  state: TrackerState,
  snapshot: BrowserSnapshot,
  at: number,
  options: { pagesAlreadyOpen: boolean },
): TrackerEvent[] {
  const events: TrackerEvent[] = options.pagesAlreadyOpen
    ? pagesAlreadyOpen(state, snapshot.tabs, at)
    : [];
  events.push({ type: 'windowFocusChanged', at, windowId: snapshot.focusedWindowId });
  for (const tab of snapshot.tabs) {
    if (tab.id !== undefined && tab.active) {
      events.push({ type: 'tabActivated', at, tabId: tab.id, windowId: tab.windowId });
    }
  }
  const idle = idleStateChanged(snapshot.idle, at);
  if (idle) events.push(idle);
  for (const tab of snapshot.tabs) {
    if (tab.id !== undefined && tab.audible) {
      events.push({ type: 'audibleChanged', at, tabId: tab.id, audible: true });
    }
  }
  return events;
}
