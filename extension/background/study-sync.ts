/**
 * The study side of sync: the device's cohort and study end (GET /api/v1/me, at most daily),
 * stopping for good on 403 study_ended / device_revoked, the uninstall page that erases the
 * server's copy (/withdraw#d=&s=), and leaving the study from the options page.
 */
import { browser } from 'wxt/browser';
import { t } from '../components/i18n.js';
import { resetSyncState, type TracksphereDb } from '../db/index.js';
import {
  type StudyInfo,
  type SyncConfig,
  studyInfoItem,
  syncConfigItem,
} from '../settings/index.js';
import {
  type ApiError,
  deleteDevice,
  type FetchLike,
  fetchDeviceInfo,
  isStopCode,
  postWithdrawal,
  withdrawalPageUrl,
} from '../sync/index.js';
import { forgetAllBrowsersSummaries } from './link-sync.js';

export const STUDY_INFO_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export interface StudyRuntime {
  fetch: FetchLike;
  now(): number;
}

/** `error` when the answer is one of the API's: no network failure or timeout. */
function isApiAnswer(value: unknown): value is ApiError {
  return typeof value === 'object' && value !== null && 'code' in value && 'status' in value;
}

/**
 * Asks GET /api/v1/me when the stored answer is older than a day (or `force`), and stores the
 * cohort and study end. Returns what is stored afterwards; a failure keeps the old answer.
 */
export async function refreshStudyInfo(
  rt: StudyRuntime,
  opts: { force?: boolean } = {},
): Promise<StudyInfo | null> {
  const [config, stored] = await Promise.all([syncConfigItem.getValue(), studyInfoItem.getValue()]);
  if (config.serverUrl === null || config.token === null) return stored;
  const now = rt.now();
  if (opts.force !== true && stored !== null && now - stored.checkedAt < STUDY_INFO_MAX_AGE_MS) {
    return stored;
  }
  const info = await fetchDeviceInfo({
    fetch: rt.fetch,
    baseUrl: config.serverUrl,
    token: config.token,
  });
  if (isApiAnswer(info)) return stored;
  const next: StudyInfo = {
    cohort: info.cohort,
    studyEndsAt: info.studyEndsAt,
    studyEnded: info.studyEnded,
    checkedAt: now,
  };
  await studyInfoItem.setValue(next);
  return next;
}

/**
 * After a run the server refused for good (403 study_ended / device_revoked): sync turns off
 * (visits recorded from now on stay local, as with sync off) and the reason is kept for the
 * pages. Nothing retries; setting sync up again (a new registration) is the way back.
 */
export async function stopForGood(
  rt: StudyRuntime,
  error: { code: string; message: string },
): Promise<boolean> {
  if (!isStopCode(error.code)) return false;
  // The pages name the cohort and the end date: ask the server for them first, so a page that
  // sees sync stopped sees the end that stopped it (not the one stored before).
  if (error.code === 'study_ended') await refreshStudyInfo(rt, { force: true }).catch(() => null);
  const config = await syncConfigItem.getValue();
  await syncConfigItem.setValue({
    ...config,
    enabled: false,
    stopped: { code: error.code, message: error.message, at: rt.now() },
  });
  return true;
}

/** The uninstall URL for this config: the withdrawal page, or '' (none) without a secret. */
export function uninstallUrlOf(config: SyncConfig): string {
  const { serverUrl, deviceId, withdrawalSecret } = config;
  if (serverUrl === null || deviceId === null || withdrawalSecret == null) return '';
  return withdrawalPageUrl(serverUrl, deviceId, withdrawalSecret);
}

/** Sets (or clears) the page the browser opens when the extension is removed. */
export async function applyUninstallUrl(config?: SyncConfig): Promise<void> {
  const url = uninstallUrlOf(config ?? (await syncConfigItem.getValue()));
  await browser.runtime.setUninstallURL(url);
}

/** Forgets the server's credentials; local visits stay, marked local (nothing is re-sent). */
export async function forgetCredentials(
  db: TracksphereDb,
  serverUrl: string | null,
): Promise<void> {
  // The others' figures go before the token: a worker stopped between leaves the token (and a
  // retry), not figures no clearing will reach.
  await forgetAllBrowsersSummaries(db);
  await resetSyncState(db);
  const config: SyncConfig = {
    enabled: false,
    serverUrl,
    deviceId: null,
    token: null,
    withdrawalSecret: null,
    stopped: null,
  };
  await Promise.all([syncConfigItem.setValue(config), studyInfoItem.setValue(null)]);
  await applyUninstallUrl(config).catch(console.error);
}

export interface LeaveResult {
  deletedVisits: number;
  alreadyErased: boolean;
}

/**
 * "Leave the study": POST /api/v1/withdraw with the withdrawal secret (the token may no longer
 * work: a revoked device, an ended study), or DELETE /api/v1/me where the server gave no
 * secret; then the credentials are forgotten and sync is off. Local data stays as it is.
 */
export async function leaveStudy(db: TracksphereDb, rt: StudyRuntime): Promise<LeaveResult> {
  const config = await syncConfigItem.getValue();
  const { serverUrl, deviceId, withdrawalSecret, token } = config;
  if (serverUrl === null || deviceId === null) {
    throw new Error(t('syncNotRegistered'));
  }
  let result: LeaveResult;
  if (withdrawalSecret != null) {
    const answer = await postWithdrawal({
      fetch: rt.fetch,
      baseUrl: serverUrl,
      deviceId,
      secret: withdrawalSecret,
    });
    if (isApiAnswer(answer)) throw new Error(answer.message);
    result = { deletedVisits: answer.deletedVisits, alreadyErased: answer.alreadyErased };
  } else if (token !== null) {
    const answer = await deleteDevice({ fetch: rt.fetch, baseUrl: serverUrl, token });
    if (isApiAnswer(answer)) throw new Error(answer.message);
    result = { deletedVisits: answer.deletedVisits, alreadyErased: false };
  } else {
    throw new Error(t('studyNoCredentials'));
  }
  await forgetCredentials(db, serverUrl);
  return result;
}
