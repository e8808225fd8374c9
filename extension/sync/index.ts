export { clearSyncBlock } from '../db/index.js';
export {
  DEFAULT_RETRY_POLICY,
  fullJitterDelayMs,
  parseRetryAfterMs,
  type RetryPolicy,
  retryDelayMs,
} from './backoff.js';
export { type Compressor, defaultCompressor, gzipText } from './gzip.js';
export type { ApiError, FetchLike } from './http.js';
export {
  createLinkCode,
  fetchLinkState,
  fetchSummary,
  LINK_TIMEOUT_MS,
  linkWithCode,
  SUMMARY_TIMEOUT_MS,
  unlinkDevice,
} from './link-client.js';
export { type RegisterDeps, RegistrationError, registerDevice } from './register-device.js';
export {
  deleteDevice,
  fetchDeviceInfo,
  isStopCode,
  postWithdrawal,
  STOP_CODES,
  type StopCode,
  withdrawalPageUrl,
} from './study-client.js';
export {
  DEFAULT_MAX_REQUESTS,
  type SyncDeps,
  type SyncOptions,
  type SyncRunResult,
  type SyncRunStatus,
  type SyncTarget,
  syncOnce,
} from './sync-once.js';
