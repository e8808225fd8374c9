import { browser } from 'wxt/browser';
import { t } from '../components/i18n.js';
import { getSyncStatus, pendingCount, shouldSyncSoon, type TracksphereDb } from '../db/index.js';
import type { SyncNowResult } from '../messaging/protocol.js';
import { studyInfoItem, syncConfigItem } from '../settings/index.js';
import {
  deleteDevice,
  type FetchLike,
  RegistrationError,
  registerDevice,
  syncOnce,
} from '../sync/index.js';
import {
  applyUninstallUrl,
  forgetCredentials,
  type LeaveResult,
  leaveStudy,
  refreshStudyInfo,
  stopForGood,
} from './study-sync.js';

/** One sync pass: what the 'sync' alarm, a growing backlog and the syncNow message run. */
export type SyncRunner = (opts?: { force?: boolean }) => Promise<SyncNowResult>;

export interface SyncRuntime {
  fetch: FetchLike;
  now(): number;
  random(): number;
}

export function defaultSyncRuntime(): SyncRuntime {
  return { fetch: (input, init) => fetch(input, init), now: Date.now, random: Math.random };
}

export function createSyncRunner(
  db: TracksphereDb,
  rt: SyncRuntime = defaultSyncRuntime(),
): SyncRunner {
  return async (opts = {}) => {
    const config = await syncConfigItem.getValue();
    if (!config.enabled || config.serverUrl === null || config.token === null) {
      return { status: 'disabled' };
    }
    const run = await syncOnce(
      { db, config: { baseUrl: config.serverUrl, token: config.token }, ...rt },
      { force: opts.force === true },
    );
    const pending = await pendingCount(db);
    if (run.status === 'up_to_date' || run.status === 'backlog_left' || run.status === 'deferred') {
      // The cohort and study end, asked at most daily (a failure keeps the last answer).
      await refreshStudyInfo(rt).catch(() => null);
      return { status: 'done', sent: run.sent, rejected: run.rejected, pending };
    }
    const status = await getSyncStatus(db);
    // 403 study_ended / device_revoked: sync turns off and keeps the reason (no retry).
    if (run.status === 'blocked' && status.lastError !== null) {
      await stopForGood(rt, status.lastError);
    }
    return {
      status: 'failed',
      code: status.lastError?.code ?? run.status,
      message: status.lastError?.message ?? `sync ${run.status}`,
    };
  };
}

/** After visits are recorded: sync soon when a backlog has built up, besides the periodic alarm. */
export function syncWhenBacklog(db: TracksphereDb, runSync: SyncRunner): () => Promise<void> {
  return async () => {
    const { enabled } = await syncConfigItem.getValue();
    if (enabled && shouldSyncSoon(await pendingCount(db))) await runSync();
  };
}

export interface SyncSetup {
  enable(data: { serverUrl: string; enrollmentKey?: string | undefined }): Promise<void>;
  disable(): Promise<void>;
  eraseServerData(): Promise<{ deletedVisits: number }>;
  /** Erases the server's copy with the withdrawal secret, forgets the credentials, sync off. */
  leaveStudy(): Promise<LeaveResult>;
}

/** The browser's name and version, for the device record (the server also parses the user agent). */
export function browserIdentity(
  userAgent: string,
  build: string,
): { name: string; version: string } {
  const patterns: Array<[string, RegExp]> = [
    ['Edge', /Edg\/([\d.]+)/],
    ['Firefox', /Firefox\/([\d.]+)/],
    ['Chrome', /Chrome\/([\d.]+)/],
  ];
  for (const [name, re] of patterns) {
    const m = re.exec(userAgent);
    if (m?.[1] !== undefined) return { name, version: m[1] };
  }
  const name =
    build === undefined || build === ''
      ? 'Unknown'
      : build.charAt(0).toUpperCase() + build.slice(1);
  return { name, version: 'unknown' };
}

async function platformOs(): Promise<string> {
  try {
    return (await browser.runtime.getPlatformInfo()).os;
  } catch {
    // Some runtimes (and test fakes) do not implement it; the server parses the user agent too.
    return 'unknown';
  }
}

function normaliseServerUrl(input: string): string {
  const url = new URL(input);
  if (url.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) {
    throw new Error(
      'The server URL must use https:// (plain http only for a server on this computer).',
    );
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** Turning sync on (registering this install), off, and erasing the server's copy. */
export function createSyncSetup(
  db: TracksphereDb,
  rt: SyncRuntime = defaultSyncRuntime(),
): SyncSetup {
  return {
    async enable({ serverUrl, enrollmentKey }) {
      const baseUrl = normaliseServerUrl(serverUrl);
      const current = await syncConfigItem.getValue();
      if (current.token !== null && current.serverUrl === baseUrl) {
        await syncConfigItem.setValue({ ...current, enabled: true });
        return;
      }
      const os = await platformOs();
      const manifest = browser.runtime.getManifest();
      try {
        const registered = await registerDevice(
          { fetch: rt.fetch, baseUrl, db, enrollmentKey },
          {
            extensionVersion: manifest.version,
            browser: browserIdentity(
              typeof navigator === 'undefined' ? '' : navigator.userAgent,
              import.meta.env.BROWSER,
            ),
            os,
          },
        );
        const config = {
          enabled: true,
          serverUrl: baseUrl,
          deviceId: registered.deviceId,
          token: registered.token,
          withdrawalSecret: registered.withdrawalSecret ?? null,
          stopped: null,
        };
        await Promise.all([syncConfigItem.setValue(config), studyInfoItem.setValue(null)]);
        // A new device: its own uninstall page (or none), and its cohort and study end.
        await applyUninstallUrl(config).catch(console.error);
        await refreshStudyInfo(rt, { force: true }).catch(() => null);
      } catch (err) {
        if (err instanceof RegistrationError) throw new Error(err.error.message);
        throw err;
      }
    },
    async disable() {
      const current = await syncConfigItem.getValue();
      await syncConfigItem.setValue({ ...current, enabled: false });
    },
    async eraseServerData() {
      const config = await syncConfigItem.getValue();
      if (config.serverUrl === null || config.token === null) {
        throw new Error(t('syncNotRegistered'));
      }
      const answer = await deleteDevice({
        fetch: rt.fetch,
        baseUrl: config.serverUrl,
        token: config.token,
      });
      if ('code' in answer) throw new Error(answer.message);
      // The device no longer exists on the server: forget the token and keep the
      // local visits local (nothing is re-uploaded unless sync is set up again).
      await forgetCredentials(db, config.serverUrl);
      return { deletedVisits: answer.deletedVisits };
    },
    leaveStudy: () => leaveStudy(db, rt),
  };
}
