/**
 * Every storage item of the extension, with its fallback and version
 * (STYLE.md convention 4). All live in storage.local: it survives browser
 * restarts (storage.session does not, and the tracker state must outlive a
 * crash), and nothing here may travel with the browser account (storage.sync).
 */
import { storage } from 'wxt/utils/storage';
import type { PrivacyLevel, VisitEvent } from '#protocol';
import type { TrackerState } from '../tracker/index.js';

/** Defaults, in one place for the items below and the options page. */
export const SETTING_DEFAULTS = {
  consent: false,
  pausedAll: false,
  privacyLevel: 'full' as PrivacyLevel,
  pausedSites: [] as string[],
  allowlistOnly: false,
  allowlist: [] as string[],
  idleThresholdSeconds: 60,
  retentionDays: 90,
  toolbarBadge: true,
} as const;

/** browser.idle refuses detection intervals under 15 s. */
export const MIN_IDLE_THRESHOLD_SECONDS = 15;
export const MAX_IDLE_THRESHOLD_SECONDS = 4 * 60 * 60;

// Recording settings (privacy/RecordingSettings): a change to any of them is a settingsChanged event.

/** Nothing is recorded before the person consents (DESIGN.md, guarantee 3). */
export const consentItem = storage.defineItem<boolean>('local:consent', {
  fallback: SETTING_DEFAULTS.consent,
  version: 1,
});

export const pausedAllItem = storage.defineItem<boolean>('local:pausedAll', {
  fallback: SETTING_DEFAULTS.pausedAll,
  version: 1,
});

export const privacyLevelItem = storage.defineItem<PrivacyLevel>('local:privacyLevel', {
  fallback: SETTING_DEFAULTS.privacyLevel,
  version: 1,
});

/** Site keys (privacy/siteKey: registrable domains) never recorded. */
export const pausedSitesItem = storage.defineItem<string[]>('local:pausedSites', {
  fallback: SETTING_DEFAULTS.pausedSites,
  version: 1,
});

export const allowlistOnlyItem = storage.defineItem<boolean>('local:allowlistOnly', {
  fallback: SETTING_DEFAULTS.allowlistOnly,
  version: 1,
});

/** Site keys recorded when allowlistOnly is on. */
export const allowlistItem = storage.defineItem<string[]>('local:allowlist', {
  fallback: SETTING_DEFAULTS.allowlist,
  version: 1,
});

// Other settings.

/** Seconds without input before the person counts as idle (browser.idle). */
export const idleThresholdSecondsItem = storage.defineItem<number>('local:idleThresholdSeconds', {
  fallback: SETTING_DEFAULTS.idleThresholdSeconds,
  version: 1,
});

/** Days visits are kept in the local database. */
/** The toolbar button's badge shows the current site's active time today. */
export const toolbarBadgeItem = storage.defineItem<boolean>('local:toolbarBadge', {
  fallback: SETTING_DEFAULTS.toolbarBadge,
  version: 1,
});

export const retentionDaysItem = storage.defineItem<number>('local:retentionDays', {
  fallback: SETTING_DEFAULTS.retentionDays,
  version: 1,
});

export interface SyncConfig {
  /** Sync is off until the person turns it on: nothing leaves the browser before. */
  enabled: boolean;
  /** Base URL of the ingest server, e.g. https://tracksphere.example.org */
  serverUrl: string | null;
  /** Given by the server at registration (POST /api/v1/devices). */
  deviceId: string | null;
  /** Bearer token from registration: kept in storage.local, never synced with the browser account. */
  token: string | null;
  /**
   * From registration when the server gives one (absent before): erases this device's data
   * and nothing else (POST /api/v1/withdraw; the uninstall page /withdraw#d=&s=).
   */
  withdrawalSecret?: string | null;
  /** Why the server stopped this device for good (sync then off); cleared by a new registration. */
  stopped?: SyncStop | null;
}

/** 403 study_ended / device_revoked: the server's code and message, and when (ms since the epoch). */
export interface SyncStop {
  code: 'study_ended' | 'device_revoked';
  message: string;
  at: number;
}

export const syncConfigItem = storage.defineItem<SyncConfig>('local:syncConfig', {
  fallback: { enabled: false, serverUrl: null, deviceId: null, token: null },
  version: 1,
});

/** The device's enrolment as GET /api/v1/me last told it (protocol DeviceInfo, kept in part). */
export interface StudyInfo {
  /** The enrolment code's cohort; null without one. */
  cohort: string | null;
  /** ISO instant from which the server refuses events; null: no end. */
  studyEndsAt: string | null;
  /** Whether the study had ended by the server's clock when asked. */
  studyEnded: boolean;
  /** ms since the epoch: when the server was asked (asked again at most daily). */
  checkedAt: number;
}

/** Null until the server was asked (and again after the credentials are forgotten). */
export const studyInfoItem = storage.defineItem<StudyInfo | null>('local:studyInfo', {
  fallback: null,
  version: 1,
});

// The background's own state.

/**
 * Where the tracker's state (tracker/TrackerState) was saved before database version 4, which
 * keeps it in IndexedDB with the visits. Read only to move an older version's state over, then
 * removed (background/tracker-store.ts).
 */
export const trackerStateItem = storage.defineItem<TrackerState | null>('local:trackerState', {
  fallback: null,
  version: 1,
});

/**
 * Before database version 4: visits the tracker had finished but the database refused, saved
 * with the state. Moved over and removed with trackerStateItem.
 */
export const unrecordedVisitsItem = storage.defineItem<VisitEvent[]>('local:unrecordedVisits', {
  fallback: [],
  version: 1,
});
