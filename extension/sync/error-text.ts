/**
 * The sync client's failures in the person's language: each of the API's error codes
 * (protocol/errors.ts, docs/api.md) and each failure without a usable answer has its message in
 * _locales. The server's own message is English; it is kept as a detail only where it says what
 * the message cannot (which field or value the server refused).
 */
import type { ErrorCode } from '#protocol';
import { type MessageKey, t } from '../components/i18n.js';
import { formatLongDate, formatNumber } from '../stats/format-duration.js';

/** The failures the client words itself: no answer, or one it could not read. */
export type ClientErrorCode = 'network' | 'timeout' | 'aborted' | 'bad_response';

/** Every code's message (KEYS_COMPLETE: a code the server adds fails the type check until it has one). */
const KEYS = {
  network: 'apiError_network',
  timeout: 'apiError_timeout',
  aborted: 'apiError_aborted',
  bad_response: 'apiError_bad_response',
  invalid_json: 'apiError_invalid_json',
  invalid_batch: 'apiError_invalid_batch',
  invalid_request: 'apiError_invalid_request',
  invalid_link_code: 'apiError_invalid_link_code',
  clock_skew: 'apiError_clock_skew',
  unauthorized: 'apiError_unauthorized',
  enrollment_required: 'apiError_enrollment_required',
  device_deleted: 'apiError_device_deleted',
  device_revoked: 'apiError_device_revoked',
  enrollment_expired: 'apiError_enrollment_expired',
  enrollment_used_up: 'apiError_enrollment_used_up',
  enrollment_revoked: 'apiError_enrollment_revoked',
  study_ended: 'apiError_study_ended',
  link_limit: 'apiError_link_limit',
  withdrawal_refused: 'apiError_withdrawal_refused',
  not_found: 'apiError_not_found',
  not_linked: 'apiError_not_linked',
  payload_too_large: 'apiError_payload_too_large',
  unsupported_media_type: 'apiError_unsupported_media_type',
  rate_limited: 'apiError_rate_limited',
  quota_exceeded: 'apiError_quota_exceeded',
  registration_limit: 'apiError_registration_limit',
  internal: 'apiError_internal',
  unavailable: 'apiError_unavailable',
} satisfies Record<string, MessageKey>;

/** The codes without a message: none, or the type check names them. */
type Unworded = Exclude<ErrorCode | ClientErrorCode, keyof typeof KEYS>;
export const KEYS_COMPLETE: [Unworded] extends [never] ? true : Unworded = true;

/** The codes whose server message names what was wrong (a schema's issues): shown after ours. */
const WITH_DETAIL = new Set<string>(['invalid_json', 'invalid_batch', 'invalid_request']);

function isKnown(code: string): code is keyof typeof KEYS {
  return Object.hasOwn(KEYS, code);
}

/** study_ended's details: the cohort and its end, worded in the person's language. */
function studyEnd(details: unknown): { cohort: string; endsAt: string } | null {
  if (typeof details !== 'object' || details === null) return null;
  const { cohort, studyEndsAt } = details as Record<string, unknown>;
  if (typeof cohort !== 'string' || typeof studyEndsAt !== 'string') return null;
  return Number.isNaN(Date.parse(studyEndsAt)) ? null : { cohort, endsAt: studyEndsAt };
}

/** link_limit's details: how many browsers the server links for one person. */
function maxBrowsers(details: unknown): number | null {
  if (typeof details !== 'object' || details === null) return null;
  const { maxBrowsers: max } = details as Record<string, unknown>;
  return typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : null;
}

/** A message, or null where the browser has none (it answers the key itself, or ''). */
function say(key: MessageKey, ...substitutions: string[]): string | null {
  const text = t(key, ...substitutions);
  return text === '' || text === key ? null : text;
}

function words(code: string, raw: string, status: number | null, details: unknown): string | null {
  if (code === 'study_ended') {
    const end = studyEnd(details);
    if (end !== null) return say('apiError_study_ended_on', end.cohort, formatLongDate(end.endsAt));
  }
  if (code === 'link_limit') {
    const max = maxBrowsers(details);
    if (max !== null) return say('apiError_link_limit_of', formatNumber(max));
  }
  if (isKnown(code)) return WITH_DETAIL.has(code) ? say(KEYS[code], raw) : say(KEYS[code]);
  const http = /^http_(\d+)$/.exec(code)?.[1];
  if (http !== undefined) return say('apiError_http', String(status ?? http));
  return null;
}

/**
 * A failure as the person reads it: `code`'s message in the UI language, with the server's
 * message (`raw`) after it where it adds something. `raw` itself (English) for a code without a
 * message, and where the browser gives none: an empty message bundle (i18n.ts, messagesReady)
 * or no i18n at all (the tests' fake browser).
 */
export function apiErrorText(
  code: string,
  raw: string,
  status: number | null,
  details?: unknown,
): string {
  try {
    return words(code, raw, status, details) ?? raw;
  } catch {
    return raw;
  }
}
