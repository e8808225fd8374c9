/**
 * The one message protocol between extension pages (popup, options,
 * welcome) and the background (STYLE.md convention 3): one data object per
 * message, typed both ways. Pages call `sendMessage('pauseSite', { site })`;
 * the background answers in background/message-handlers.ts.
 */
import { defineExtensionMessaging } from '@webext-core/messaging';
import type { LinkCode, LinkState, PrivacyLevel, Summary } from '#protocol';
import type { SkipReason } from '../privacy/index.js';

/** The page in the focused window's active tab, as the tracker sees it. */
export interface ActivePageStatus {
  tabId: number;
  /** Registrable domain (the key pauseSite stores); null for a page that is not on the web. */
  site: string | null;
  /** Whether a visit of this page is being recorded now. */
  recording: boolean;
  /**
   * Why the page is not recorded; null when it is, or when it may be but was
   * already open before the settings allowed it (recording starts with the
   * next page).
   */
  reason: SkipReason | null;
  /** Active time of the open visit so far, in ms; null when not recording. */
  activeMs: number | null;
}

/** A visit still open (its page is shown in a tab), with its active time so far. */
export interface OpenVisitFigure {
  /** The page's hostname, as the visit will be recorded under. */
  domain: string;
  /** ms since the epoch: the visit counts for the local day it started on, as its rollup will. */
  startedAt: number;
  activeMs: number;
}

export interface SyncSetup {
  enabled: boolean;
  serverUrl: string | null;
  /** Whether the device has a token from the server (the token itself never leaves the background). */
  registered: boolean;
  /** The server stopped this device for good (403): sync is off, and this says why. */
  stopped: { code: 'study_ended' | 'device_revoked'; message: string; at: number } | null;
  /** Cohort and study end (ISO) as GET /api/v1/me last told them; null before. */
  study: { cohort: string | null; studyEndsAt: string | null; studyEnded: boolean } | null;
  /** Whether "Leave the study" can erase the server's copy (a withdrawal secret or a token). */
  canLeave: boolean;
}

/** What the popup shows; every setter answers with it, so a page re-renders from one reply. */
export interface TrackerStatus {
  consent: boolean;
  pausedAll: boolean;
  level: PrivacyLevel;
  pausedSites: string[];
  allowlistOnly: boolean;
  allowlist: string[];
  idleThresholdSeconds: number;
  /** Whether the toolbar button's badge shows the current site's active time today. */
  toolbarBadge: boolean;
  activePage: ActivePageStatus | null;
  /**
   * Every open visit: the local database holds finished visits only, so pages add these
   * to show today's figures as they are now.
   */
  openVisits: OpenVisitFigure[];
  sync: SyncSetup;
}

export type SyncNowResult =
  /** Sync is off: nothing leaves the browser. */
  | { status: 'disabled' }
  | { status: 'done'; sent: number; rejected: number; pending: number }
  | { status: 'failed'; code: string; message: string };

/** What eraseHistory did here and on the server. */
export interface EraseHistoryResult {
  /** Visits erased in this browser (the outbox's included: they are never sent). */
  localVisits: number;
  /**
   * null: this browser is not registered with a server. Otherwise the server's count, or why
   * it could not erase now (the erase is sent again after the next successful sync).
   */
  server: { deletedVisits: number } | { error: string } | null;
}

/** A daily limit (limits/limits.ts) with today's used time, as the pages show it. */
export interface LimitFigure {
  /** A registrable domain or `category:<name>`. */
  target: string;
  limitMs: number;
  holdMeToIt: boolean;
  /** Counts every linked browser's time (the cached summary's), not only this browser's. */
  allBrowsers?: boolean;
  /** Active time on the target today, the open visits included: this browser's, or all. */
  usedMs: number;
  /** Whether the page in the focused window's active tab counts toward it. */
  appliesToCurrentSite: boolean;
}

export interface LimitsReply {
  /** The local day the figures are for. */
  today: string;
  limits: LimitFigure[];
}

export interface Preferences {
  weekStart: 'monday' | 'sunday' | 'saturday';
  theme: 'system' | 'light' | 'dark';
}

/** The days of a summary (both included) in an IANA zone, as GET /api/v1/me/summary takes them. */
export interface SummaryRange {
  from: string;
  to: string;
  tz: string;
}

/** All my browsers: the cached summary (null: none for the range yet) and this browser's id. */
export interface AllBrowsersReply {
  /** This browser's device id: its rows in the summary are replaced by what it holds itself. */
  deviceId: string | null;
  /** fetchedAt: ms since the epoch when this browser received it (the "as of" shown). */
  cached: { summary: Summary; fetchedAt: number } | null;
  /** Why the refresh failed (the API's code, `timeout`, `network`); null when it did not. */
  error: string | null;
}

export interface ProtocolMap {
  getStatus(): TrackerStatus;
  setConsent(data: { consent: boolean }): TrackerStatus;
  setPausedAll(data: { paused: boolean }): TrackerStatus;
  /** `site`: a hostname or URL; the background stores its registrable domain. */
  pauseSite(data: { site: string }): TrackerStatus;
  resumeSite(data: { site: string }): TrackerStatus;
  setPrivacyLevel(data: { level: PrivacyLevel }): TrackerStatus;
  /** `sites`: hostnames or URLs, stored as registrable domains. */
  setAllowlist(data: { allowlistOnly: boolean; sites: string[] }): TrackerStatus;
  setIdleThreshold(data: { seconds: number }): TrackerStatus;
  setToolbarBadge(data: { enabled: boolean }): TrackerStatus;
  /**
   * The site (registrable domain) of each host, as pausing and the current-site card name
   * it: pages group their figures by it without bundling the public-suffix list.
   */
  sitesOf(data: { hosts: string[] }): Record<string, string>;
  syncNow(): SyncNowResult;
  /** Registers this install with the server (once) and turns sync on; rejects with the server's reason. */
  enableSync(data: { serverUrl: string; enrollmentKey?: string }): TrackerStatus;
  /**
   * Puts the visits recorded while sync was off into the outbox and starts a sync: the person's
   * explicit choice to send their earlier history. Rejects while sync is off.
   */
  sendEarlierHistory(): { queued: number };
  /** Stops sending; visits recorded from now on stay local. */
  disableSync(): TrackerStatus;
  /** DELETE /api/v1/me, then forgets the token; local visits stay, marked local. */
  eraseServerData(): { deletedVisits: number };
  /**
   * "Leave the study": POST /api/v1/withdraw (DELETE /api/v1/me without a withdrawal secret),
   * then forgets the credentials and turns sync off; local visits stay as they are.
   */
  leaveStudy(): { deletedVisits: number; alreadyErased: boolean };
  /** Days raw visits are kept locally (rollups stay); clamped to the allowed range. */
  setRetentionDays(data: { days: number }): { retentionDays: number };
  /**
   * Erases a site's history (`site`: its registrable domain, or a host: it and the hosts under
   * it) and/or local days `fromDay`..`toDay` (both included), here and, when registered, on the
   * server (sync on or off). At least one of them.
   */
  eraseHistory(data: { site?: string; fromDay?: string; toDay?: string }): EraseHistoryResult;
  /** Erases the local database (visits, rollups, sync state); settings and server data stay. */
  eraseLocalData(): { erased: true };
  /** The daily limits with today's used time. */
  getLimits(): LimitsReply;
  /** Adds the limit of `target`, or replaces it. */
  setLimit(data: {
    target: string;
    limitMs: number;
    holdMeToIt: boolean;
    allBrowsers?: boolean;
  }): LimitsReply;
  removeLimit(data: { target: string }): LimitsReply;
  /** The display settings: the first day of the week and the theme; each one given is saved. */
  setPreferences(data: Partial<Preferences>): Preferences;
  getPreferences(): Preferences;
  /** On the limit-reached page: "5 more minutes" or "open anyway" (for the rest of the day). */
  chooseAtLimit(data: { target: string; choice: 'snooze' | 'openAnyway' }): LimitsReply;
  /**
   * All my browsers (the link calls reject with "<API code>: <message>"): a single-use code for
   * another browser, linking with one, the linked browsers, and unlinking one (none given: this).
   */
  createLinkCode(): LinkCode;
  linkWithCode(data: { code: string }): LinkState;
  getLinkState(): LinkState;
  unlink(data: { deviceId?: string }): LinkState;
  /** The cached summary at once; with `refresh`, the server's (3 s at most) first. */
  getAllBrowsersSummary(data: SummaryRange & { refresh: boolean }): AllBrowsersReply;
}

export const { sendMessage, onMessage, removeAllListeners } =
  defineExtensionMessaging<ProtocolMap>();
