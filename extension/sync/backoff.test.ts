import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  fullJitterDelayMs,
  parseRetryAfterMs,
  type RetryPolicy,
  retryDelayMs,
} from './backoff.js';

const policy: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 60_000, maxRetryAfterMs: 3_600_000 };
const almostOne = (): number => 0.999_999;

describe('full jitter backoff', () => {
  it('doubles its upper bound with each failure up to the cap', () => {
    const bounds = [1, 2, 3, 4, 7, 8, 40].map((a) => fullJitterDelayMs(a, almostOne, policy));
    expect(bounds).toEqual([999, 1_999, 3_999, 7_999, 59_999, 59_999, 59_999]);
  });

  it('can be anything from zero to the bound', () => {
    expect(fullJitterDelayMs(5, () => 0, policy)).toBe(0);
    expect(fullJitterDelayMs(5, () => 0.5, policy)).toBe(8_000);
  });

  it('stays within [0, bound) for any attempt and random draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const d = fullJitterDelayMs(attempt, () => r, DEFAULT_RETRY_POLICY);
          const bound = Math.min(
            DEFAULT_RETRY_POLICY.maxDelayMs,
            DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** (attempt - 1),
          );
          return Number.isInteger(d) && d >= 0 && d < bound;
        },
      ),
    );
  });
});

describe('Retry-After', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);

  it('reads delay-seconds', () => {
    expect(parseRetryAfterMs('120', now)).toBe(120_000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date, and a date in the past means now', () => {
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 12:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('reads the obsolete RFC 850 and asctime date forms as GMT', () => {
    expect(parseRetryAfterMs('Wednesday, 01-Jan-25 12:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfterMs('Wed Jan  1 12:01:30 2025', now)).toBe(90_000);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfterMs(null, now)).toBeNull();
    expect(parseRetryAfterMs('soon', now)).toBeNull();
    expect(parseRetryAfterMs('-5', now)).toBeNull();
  });

  it('waits for the longer of the backoff and Retry-After', () => {
    expect(retryDelayMs(1, almostOne, 30_000, policy)).toBe(30_000);
    expect(retryDelayMs(7, almostOne, 30_000, policy)).toBe(59_999);
  });

  it('cuts an absurd Retry-After down to the policy maximum', () => {
    expect(retryDelayMs(1, () => 0, 30 * 86_400_000, policy)).toBe(3_600_000);
  });
});
