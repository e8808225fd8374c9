import type { GetDataType, GetReturnType } from '@webext-core/messaging';
import { storage } from 'wxt/utils/storage';
import {
  eraseLocalData,
  openTracksphereDb,
  queueLocalVisits,
  type TracksphereDb,
} from '../db/index.js';
import { MESSAGE_DATA } from '../messaging/message-schemas.js';
import { onMessage, type ProtocolMap } from '../messaging/protocol.js';
import { registrableDomain, siteKey } from '../privacy/index.js';
import {
  allowlistItem,
  allowlistOnlyItem,
  consentItem,
  idleThresholdSecondsItem,
  pausedAllItem,
  pausedSitesItem,
  privacyLevelItem,
  retentionDaysItem,
  syncConfigItem,
  toolbarBadgeItem,
} from '../settings/index.js';
import type { FetchLike } from '../sync/index.js';
import { createHistoryEraser, type HistoryEraser } from './history-erase.js';
import { clampIdleThreshold } from './idle-detection.js';
import { clearLimitDay } from './limit-day.js';
import { createLimitHandlers } from './limit-handlers.js';
import { createLinkHandlers, forgetAllBrowsersSummaries } from './link-sync.js';
import type { SyncRunner, SyncSetup } from './sync-runner.js';
import { readTrackerStatus, type StatusDeps } from './tracker-status.js';

export type MessageHandlers = {
  [K in keyof ProtocolMap]: (
    data: GetDataType<ProtocolMap[K]>,
  ) => Promise<GetReturnType<ProtocolMap[K]>>;
};

export interface HandlerDeps extends StatusDeps {
  runSync: SyncRunner;
  syncSetup: SyncSetup;
  /** Erases a site or days here and on the server; made on first use when not given. */
  eraser?: HistoryEraser;
  /** The local database; opened on first use when not given (the background's default one). */
  db?: TracksphereDb;
  /** For the All my browsers calls; the global fetch when not given. */
  fetch?: FetchLike;
}

/** Local retention: at least a week (the popup's trend), at most ten years. */
export const MIN_RETENTION_DAYS = 7;
export const MAX_RETENTION_DAYS = 3650;

export function clampRetentionDays(days: number): number {
  return Math.min(MAX_RETENTION_DAYS, Math.max(MIN_RETENTION_DAYS, Math.round(days)));
}

/** The registrable domain to store for a site the person typed or is on. */
function requireSiteKey(site: string): string {
  const key = siteKey(site);
  if (key === null) throw new Error(`not a web site: ${site}`);
  return key;
}

/**
 * What the background does for each message. Settings are only written to
 * storage here; the storage watch turns the change into the tracker's
 * settingsChanged event, the same way as a change made anywhere else.
 */
export function createMessageHandlers(deps: HandlerDeps): MessageHandlers {
  const status = () => readTrackerStatus(deps);
  let db = deps.db;
  let eraser: HistoryEraser | undefined;
  const localDb = (): TracksphereDb => {
    db ??= openTracksphereDb();
    return db;
  };
  return {
    getStatus: status,
    async setConsent({ consent }) {
      await consentItem.setValue(consent);
      return status();
    },
    async setPausedAll({ paused }) {
      await pausedAllItem.setValue(paused);
      return status();
    },
    async pauseSite({ site }) {
      const key = requireSiteKey(site);
      const paused = await pausedSitesItem.getValue();
      if (!paused.includes(key)) await pausedSitesItem.setValue([...paused, key]);
      return status();
    },
    async resumeSite({ site }) {
      const key = requireSiteKey(site);
      const paused = await pausedSitesItem.getValue();
      await pausedSitesItem.setValue(paused.filter((entry) => siteKey(entry) !== key));
      return status();
    },
    async setPrivacyLevel({ level }) {
      await privacyLevelItem.setValue(level);
      return status();
    },
    async setAllowlist({ allowlistOnly, sites }) {
      const keys = [...new Set(sites.map(requireSiteKey))];
      // One storage write, so the tracker never sees the new mode with the old list.
      await storage.setItems([
        { item: allowlistItem, value: keys },
        { item: allowlistOnlyItem, value: allowlistOnly },
      ]);
      return status();
    },
    async setIdleThreshold({ seconds }) {
      await idleThresholdSecondsItem.setValue(clampIdleThreshold(seconds));
      return status();
    },
    async setToolbarBadge({ enabled }) {
      await toolbarBadgeItem.setValue(enabled);
      return status();
    },
    async sitesOf({ hosts }) {
      return Object.fromEntries(hosts.map((host) => [host, registrableDomain(host)]));
    },
    syncNow: () => deps.runSync({ force: true }),
    async enableSync(data) {
      await deps.syncSetup.enable(data);
      void deps.runSync();
      return status();
    },
    async sendEarlierHistory() {
      const config = await syncConfigItem.getValue();
      if (!config.enabled || config.token === null) {
        throw new Error('Turn sync on before sending earlier history.');
      }
      const queued = await queueLocalVisits(localDb());
      void deps.runSync({ force: true });
      return { queued };
    },
    async disableSync() {
      await deps.syncSetup.disable();
      return status();
    },
    eraseServerData: () => deps.syncSetup.eraseServerData(),
    leaveStudy: () => deps.syncSetup.leaveStudy(),
    async setRetentionDays({ days }) {
      const retentionDays = clampRetentionDays(days);
      await retentionDaysItem.setValue(retentionDays);
      return { retentionDays };
    },
    eraseHistory(data) {
      eraser ??= deps.eraser ?? createHistoryEraser(localDb());
      return eraser.erase(data);
    },
    async eraseLocalData() {
      // The database's copy of every linked browser's sites (the all-browsers summaries) goes
      // with it; what storage.local keeps of the history too: today's limit notices and choices.
      await eraseLocalData(localDb());
      await Promise.all([forgetAllBrowsersSummaries(localDb()), clearLimitDay()]);
      return { erased: true };
    },
    ...createLimitHandlers({
      get db() {
        return localDb();
      },
      now: deps.now,
      status,
    }),
    ...createLinkHandlers({
      fetch: deps.fetch ?? ((url, init) => fetch(url, init)),
      now: deps.now,
      get db() {
        return localDb();
      },
    }),
  };
}

/** Validates the message data, then runs the handler. */
function answer<K extends keyof ProtocolMap>(type: K, handlers: MessageHandlers): () => void {
  return onMessage(type, (message) => {
    const data = MESSAGE_DATA[type].parse(message.data) as GetDataType<ProtocolMap[K]>;
    return handlers[type](data);
  });
}

/** Answers every message of the protocol until `signal` aborts. */
export function registerMessageHandlers(handlers: MessageHandlers, signal?: AbortSignal): void {
  const types = Object.keys(MESSAGE_DATA) as (keyof ProtocolMap)[];
  const removers = types.map((type) => answer(type, handlers));
  signal?.addEventListener('abort', () => {
    for (const remove of removers) remove();
  });
}
