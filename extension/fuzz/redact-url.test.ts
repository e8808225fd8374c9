/**
 * Fuzzing URL redaction (protocol/redact.ts and the extension's
 * redactPageUrl): whatever the URL, no sensitive parameter name or value,
 * userinfo or fragment survives, the output parses (or is null), and what the
 * extension stores fits the wire limit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSensitiveParam, LIMITS, PRIVACY_LEVELS, redactUrl } from '#protocol';
import { redactPageUrl } from '../privacy/index.js';
import { SECRET_MARK, sensitiveNameArb, webUrlWithParamsArb } from './url-arbitraries.js';

const levelArb = fc.constantFrom(...PRIVACY_LEVELS);

/** Any string a tab might report as its URL, well-formed or not. */
const anyUrlTextArb = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  webUrlWithParamsArb.map((u) => u.href),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('javascript:alert(1)', 'data:text/html,x', 'chrome://settings', 'file:///etc'),
);

function expectClean(out: string): void {
  const url = new URL(out);
  expect(url.protocol).toMatch(/^https?:$/);
  expect(url.username).toBe('');
  expect(url.password).toBe('');
  expect(url.hash).toBe('');
  expect(out.toLowerCase()).not.toContain(SECRET_MARK.toLowerCase());
  for (const name of url.searchParams.keys()) expect(isSensitiveParam(name), name).toBe(false);
}

describe('redactUrl over generated URLs', () => {
  it('recognises every generated spelling of a sensitive parameter name', () => {
    fc.assert(
      fc.property(sensitiveNameArb, (name) => {
        expect(isSensitiveParam(decodeURIComponent(name))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('drops sensitive parameters, userinfo and fragments and keeps harmless parameters in order', () => {
    fc.assert(
      fc.property(webUrlWithParamsArb, ({ href, harmless }) => {
        const out = redactUrl(href, 'full');
        expect(out).not.toBeNull();
        expectClean(out ?? '');
        expect([...new URL(out ?? '').searchParams.keys()]).toEqual(harmless);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives null or a clean http(s) URL for any input at any level, and is idempotent', () => {
    fc.assert(
      fc.property(anyUrlTextArb, levelArb, (input, level) => {
        const out = redactUrl(input, level);
        if (out === null) return;
        expect(level).not.toBe('domain');
        expectClean(out);
        if (level === 'path') expect(new URL(out).search).toBe('');
        expect(redactUrl(out, level)).toBe(out);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('redactPageUrl over generated pages', () => {
  it('stores null or a clean URL within the wire limit, including for very long pages', () => {
    const longPathArb = fc
      .tuple(
        webUrlWithParamsArb,
        fc.integer({ min: 0, max: 3000 }),
        fc.constantFrom('a', '%C3%BC', '/b'),
      )
      .map(([u, n, unit]) => {
        const url = new URL(u.href);
        return `${url.origin}/${unit.repeat(n)}${url.search}${url.hash}`;
      });
    fc.assert(
      fc.property(
        fc.oneof(
          webUrlWithParamsArb.map((u) => u.href),
          longPathArb,
        ),
        levelArb,
        (href, level) => {
          const out = redactPageUrl(new URL(href), level);
          if (level === 'domain') {
            expect(out).toBeNull();
            return;
          }
          if (out === null) return;
          expect(out.length).toBeLessThanOrEqual(LIMITS.maxUrlLength);
          expectClean(out);
          expect(new URL(out).hostname.endsWith('.')).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
