import { browser } from 'wxt/browser';
import { readRecordingSettings, sameRecordingSettings } from '../settings/index.js';
import type { TrackerEvent } from '../tracker/index.js';
import { CHECKPOINT_ALARM, ensureAlarms, SYNC_ALARM } from './alarms.js';
import {
  type GetTab,
  historyStateUpdated,
  idleStateChanged,
  isTopFrame,
  type NavigationDetails,
  navigationCommitted,
  pagesShownWithoutVisit,
  type TabInfo,
  tabUpdated,
} from './browser-events.js';
import { browserSnapshotSource } from './browser-snapshot.js';
import { applyIdleThreshold, idleThresholdSeconds } from './idle-detection.js';
import type { SyncRunner } from './sync-runner.js';
import type { EventSource, TrackerService } from './tracker-service.js';
import { openWelcomePage } from './welcome-page.js';

export interface BackgroundDeps {
  tracker: TrackerService;
  runSync: SyncRunner;
  /** Periodic housekeeping (local retention), run with the sync alarm. */
  maintain?: () => Promise<unknown>;
  /** Writes the toolbar badge again; run after each event that can change what it shows. */
  refreshBadge?: () => Promise<void>;
  /** Checks the daily limits (notices, holds); run after the same events as the badge. */
  checkLimits?: () => Promise<void>;
  /** Stamps events when the browser reports them (ms since the epoch). */
  now?: () => number;
  getTab?: GetTab;
  onError?: (error: unknown) => void;
}

/**
 * The background's listeners, one per browser event. Each stamps the time
 * synchronously and queues its work on the tracker, so events keep the order
 * the browser reported them in. They return the work's promise for tests;
 * browsers ignore it.
 */
export interface BackgroundListeners {
  onNavigationCommitted(details: NavigationDetails): Promise<void>;
  onHistoryStateUpdated(details: NavigationDetails): Promise<void>;
  onTabActivated(info: { tabId: number; windowId: number }): Promise<void>;
  onTabRemoved(tabId: number): Promise<void>;
  onTabReplaced(addedTabId: number, removedTabId: number): Promise<void>;
  onTabUpdated(tabId: number, change: { title?: string; audible?: boolean }): Promise<void>;
  onWindowFocusChanged(windowId: number): Promise<void>;
  onIdleStateChanged(state: string): Promise<void>;
  onAlarm(alarm: { name: string }): Promise<void>;
  /** runtime.onStartup: the browser started, every tab id from before is gone. */
  onStartup(): Promise<void>;
  onInstalled(details: { reason: string }): Promise<void>;
  /** A recording setting changed in storage (popup, options page, a message handler). */
  onRecordingSettingsChanged(): Promise<void>;
  onIdleThresholdChanged(seconds: number): void;
  /** Work for every worker start, after the listeners are registered. */
  onWorkerStart(): Promise<void>;
}

/**
 * Tells the tracker the settings in storage, unless it already has them; then the pages
 * shown without a visit, which the new settings may now record (a site resumed). Consent
 * itself is the exception: a page the person opened before consenting stays unrecorded, and
 * recording starts with the next page, as the pages say.
 */
function settingsChangedSource(at: number): EventSource {
  return async (state) => {
    const settings = await readRecordingSettings();
    if (sameRecordingSettings(settings, state.settings)) return [];
    const changed: TrackerEvent = { type: 'settingsChanged', at, settings };
    if (!state.settings.consent) return [changed];
    const tabs: TabInfo[] = await browser.tabs.query({});
    return [changed, ...pagesShownWithoutVisit(state, tabs, at)];
  };
}

export function createBackgroundListeners(deps: BackgroundDeps): BackgroundListeners {
  const { tracker } = deps;
  const now = deps.now ?? Date.now;
  const getTab: GetTab = deps.getTab ?? ((tabId) => browser.tabs.get(tabId));
  const onError = deps.onError ?? ((error: unknown) => console.error('[background]', error));
  const guard = (work: Promise<unknown>): Promise<void> =>
    work.then(
      () => undefined,
      (error: unknown) => onError(error),
    );
  const settled = Promise.resolve();
  /** The event's work, then the badge and the limits (the site shown or its time may have changed). */
  const thenBadge = (work: Promise<void>): Promise<void> => {
    const { refreshBadge, checkLimits } = deps;
    if (refreshBadge === undefined && checkLimits === undefined) return work;
    return work.then(() => guard(Promise.all([refreshBadge?.(), checkLimits?.()])));
  };

  return {
    onNavigationCommitted(details) {
      if (!isTopFrame(details)) return settled;
      return thenBadge(tracker.dispatch(navigationCommitted(details, now(), getTab)));
    },
    onHistoryStateUpdated(details) {
      if (!isTopFrame(details)) return settled;
      return thenBadge(tracker.dispatch(historyStateUpdated(details, now(), getTab)));
    },
    onTabActivated({ tabId, windowId }) {
      return thenBadge(tracker.dispatch({ type: 'tabActivated', at: now(), tabId, windowId }));
    },
    onTabRemoved(tabId) {
      return thenBadge(tracker.dispatch({ type: 'tabRemoved', at: now(), tabId }));
    },
    onTabReplaced(addedTabId, removedTabId) {
      return tracker.dispatch({ type: 'tabReplaced', at: now(), addedTabId, removedTabId });
    },
    onTabUpdated(tabId, change) {
      const events = tabUpdated(tabId, change, now());
      return events.length === 0 ? settled : tracker.dispatch(() => events);
    },
    onWindowFocusChanged(windowId) {
      return thenBadge(tracker.dispatch({ type: 'windowFocusChanged', at: now(), windowId }));
    },
    onIdleStateChanged(state) {
      const event = idleStateChanged(state, now());
      return event === null ? settled : thenBadge(tracker.dispatch(event));
    },
    onAlarm(alarm) {
      if (alarm.name === CHECKPOINT_ALARM) {
        return thenBadge(tracker.dispatch({ type: 'checkpoint', at: now() }));
      }
      if (alarm.name === SYNC_ALARM) {
        return guard(Promise.all([deps.runSync(), deps.maintain?.()]));
      }
      return settled;
    },
    onStartup() {
      const at = now();
      void tracker.dispatch({ type: 'startup', at });
      return tracker.dispatch(browserSnapshotSource(at, { pagesAlreadyOpen: false }));
    },
    onInstalled({ reason }) {
      if (reason !== 'install' && reason !== 'update') return settled;
      const snapshot = tracker.dispatch(browserSnapshotSource(now(), { pagesAlreadyOpen: true }));
      if (reason !== 'install') return snapshot;
      return guard(Promise.all([snapshot, openWelcomePage()]));
    },
    onRecordingSettingsChanged() {
      return thenBadge(tracker.dispatch(settingsChangedSource(now())));
    },
    onIdleThresholdChanged(seconds) {
      try {
        applyIdleThreshold(seconds);
      } catch (error) {
        onError(error);
      }
    },
    onWorkerStart() {
      // A change made while no worker ran (or one the worker missed) reaches the tracker here.
      const reconcile = thenBadge(tracker.dispatch(settingsChangedSource(now())));
      const setUp = guard(
        Promise.all([ensureAlarms(), idleThresholdSeconds().then(applyIdleThreshold)]),
      );
      return guard(Promise.all([reconcile, setUp]));
    },
  };
}
