/** Retry timing: exponential backoff with full jitter, and the server's Retry-After. */

export interface RetryPolicy {
  /** Upper bound of the first retry's delay; doubles with each failure. */
  baseDelayMs: number;
  /** Cap of the exponential bound. */
  maxDelayMs: number;
  /** A Retry-After beyond this is cut down to it: a broken proxy must not stop sync for days. */
  maxRetryAfterMs: number;
}

/** 30 s is also the shortest period of chrome.alarms, which usually wakes the worker. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 30_000,
  maxDelayMs: 60 * 60_000,
  maxRetryAfterMs: 6 * 60 * 60_000,
};

/**
 * Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): a uniform
 * delay in [0, min(max, base * 2^(attempt-1))), so many devices that failed together
 * do not all come back together. `attempt` counts failures, from 1.
 */
export function fullJitterDelayMs(
  attempt: number,
  random: () => number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.floor(random() * bound);
}

/**
 * Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP-date. Returns the wait
 * in ms, or null when absent or unreadable.
 */
export function parseRetryAfterMs(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // All three HTTP-date forms start with a day name; Date.parse alone takes "-5" as a year.
  if (!/^[A-Za-z]{3}/.test(text)) return null;
  // asctime() dates carry no zone but are GMT; Date.parse would read them as local time.
  const at = Date.parse(/GMT$/i.test(text) ? text : `${text} GMT`);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** The wait before the next attempt: the jittered backoff or Retry-After, whichever is longer. */
export function retryDelayMs(
  attempt: number,
  random: () => number,
  retryAfterMs: number | null,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): number {
  const jitter = fullJitterDelayMs(attempt, random, policy);
  if (retryAfterMs === null) return jitter;
  return Math.max(jitter, Math.min(retryAfterMs, policy.maxRetryAfterMs));
}
