import { browser } from 'wxt/browser';
import type { VisitEvent } from '#protocol';
import type { ActivePageStatus, OpenVisitFigure, TrackerStatus } from '../messaging/protocol.js';
import { decideRecording, type RecordingSettings, siteKey } from '../privacy/index.js';
import {
  idleThresholdSecondsItem,
  readRecordingSettingsAnd,
  studyInfoItem,
  syncConfigItem,
  toolbarBadgeItem,
} from '../settings/index.js';
import { openVisitsAt, type TrackerState } from '../tracker/index.js';
import { MAX_ACCRUAL_GAP_MS } from './alarms.js';
import type { TabInfo } from './browser-events.js';
import { clampIdleThreshold } from './idle-detection.js';
import type { TrackerService } from './tracker-service.js';

/** The site key of a web page's URL; null for other pages (new tab, settings, files). */
function webSiteOf(url: string | undefined): string | null {
  return url !== undefined && /^https?:\/\//i.test(url) ? siteKey(url) : null;
}

/** The open visits as the pages add them to the recorded figures. */
export function openVisitFigures(open: readonly VisitEvent[]): OpenVisitFigure[] {
  return open.map((visit) => ({
    domain: visit.domain,
    startedAt: Date.parse(visit.startedAt),
    activeMs: visit.activeMs,
  }));
}

/** What the tracker makes of the page in `tab`; `open`: the open visits as they are now. */
export function activePageStatus(
  state: TrackerState,
  settings: RecordingSettings,
  tab: TabInfo | undefined,
  open: readonly VisitEvent[],
): ActivePageStatus | null {
  if (tab?.id === undefined) return null;
  const decision =
    tab.url === undefined
      ? ({ record: false, reason: 'not_web' } as const)
      : decideRecording(tab.url, { ...settings, incognito: tab.incognito });
  const visitId = state.tabs[String(tab.id)]?.visit?.id;
  const visit = visitId === undefined ? undefined : open.find((v) => v.id === visitId);
  return {
    tabId: tab.id,
    site: decision.record ? decision.site : webSiteOf(tab.url),
    recording: visit !== undefined,
    reason: decision.record ? null : decision.reason,
    activeMs: visit?.activeMs ?? null,
  };
}

export interface StatusDeps {
  tracker: TrackerService;
  now: () => number;
  /** The active tab of the last focused window (where the popup was opened). */
  activeTab?: () => Promise<TabInfo | undefined>;
}

async function lastFocusedActiveTab(): Promise<TabInfo | undefined> {
  const [tab]: TabInfo[] = await browser.tabs.query({ active: true, lastFocusedWindow: true });
  return tab;
}

export async function readTrackerStatus(deps: StatusDeps): Promise<TrackerStatus> {
  // The settings in one storage call: the popup asks for the status every second it is open.
  const [[settings, [idle, toolbarBadge, sync, study]], state, tab] = await Promise.all([
    readRecordingSettingsAnd([
      idleThresholdSecondsItem,
      toolbarBadgeItem,
      syncConfigItem,
      studyInfoItem,
    ]),
    deps.tracker.readState(),
    (deps.activeTab ?? lastFocusedActiveTab)(),
  ]);
  const idleSeconds = clampIdleThreshold(idle);
  const open = openVisitsAt(state, deps.now(), MAX_ACCRUAL_GAP_MS);
  return {
    consent: settings.consent,
    pausedAll: settings.pausedAll,
    level: settings.level,
    pausedSites: [...settings.pausedSites],
    allowlistOnly: settings.allowlistOnly,
    allowlist: [...settings.allowlist],
    idleThresholdSeconds: idleSeconds,
    toolbarBadge,
    activePage: activePageStatus(state, settings, tab, open),
    openVisits: openVisitFigures(open),
    sync: {
      enabled: sync.enabled,
      serverUrl: sync.serverUrl,
      registered: sync.token !== null,
      stopped: sync.stopped ?? null,
      study:
        study === null
          ? null
          : { cohort: study.cohort, studyEndsAt: study.studyEndsAt, studyEnded: study.studyEnded },
      canLeave: sync.deviceId !== null && (sync.withdrawalSecret != null || sync.token !== null),
    },
  };
}
