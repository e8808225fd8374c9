/**
 * Fuzzing the consent gate and privacy rules: for any page and any settings,
 * nothing is recorded without consent, while paused, in a private window or
 * on a paused site, and whatever is recorded is clean and fits the wire schema.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRIVACY_LEVELS, VisitEventSchema } from '#protocol';
import { decideRecording, matchesAnySite, type RecordingContext } from '../privacy/index.js';
import { SECRET_MARK, webUrlWithParamsArb } from './url-arbitraries.js';

const SITES = ['example.com', 'a.example.org', 'github.io', '127.0.0.1', '[::1]', 'co.uk'];

const pageUrlArb = fc.oneof(
  webUrlWithParamsArb.map((u) => u.href),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc
    .tuple(
      fc.constantFrom(...SITES, 'sub.example.com', 'x.github.io', 'news.bbc.co.uk'),
      fc.webPath(),
    )
    .map(([host, path]) => `https://${host}${path}?token=${SECRET_MARK}`),
  fc.constantFrom(
    'chrome://newtab/',
    'about:blank',
    'data:text/html,<b>hi</b>',
    'file:///home/me/x.html',
    'HTTPS://EXAMPLE.COM./A?B=1',
    `https://${'a'.repeat(250)}.com/`,
    'https://under_score.example/',
    'http://example.com:8080/x#y',
  ),
  fc.string({ maxLength: 40 }),
);

const contextArb: fc.Arbitrary<RecordingContext> = fc.record({
  consent: fc.boolean(),
  pausedAll: fc.boolean(),
  incognito: fc.boolean(),
  level: fc.constantFrom(...PRIVACY_LEVELS),
  pausedSites: fc.subarray(SITES),
  allowlistOnly: fc.boolean(),
  allowlist: fc.subarray(SITES),
});

describe('decideRecording over generated pages and settings', () => {
  it('never records without consent, while paused, or in a private window, whatever the URL', () => {
    fc.assert(
      fc.property(pageUrlArb, contextArb, (url, context) => {
        const decision = decideRecording(url, context);
        if (!context.consent || context.pausedAll || context.incognito) {
          expect(decision.record).toBe(false);
          if (!decision.record) {
            expect(decision.reason).toBe(
              !context.consent ? 'no_consent' : context.pausedAll ? 'paused_all' : 'private_window',
            );
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('records only allowed sites, and only a clean URL and domain the wire schema accepts', () => {
    fc.assert(
      fc.property(pageUrlArb, contextArb, fc.uuid({ version: 7 }), (url, context, id) => {
        const decision = decideRecording(url, context);
        if (!decision.record) return;
        expect(context.consent && !context.pausedAll && !context.incognito).toBe(true);
        expect(matchesAnySite(decision.domain, context.pausedSites)).toBe(false);
        if (context.allowlistOnly) {
          expect(matchesAnySite(decision.domain, context.allowlist)).toBe(true);
        }
        if (context.level === 'domain') expect(decision.url).toBeNull();
        if (decision.url !== null) {
          expect(decision.url).not.toContain(SECRET_MARK);
          expect(new URL(decision.url).hash).toBe('');
          if (context.level === 'path') expect(new URL(decision.url).search).toBe('');
        }
        const event = {
          id,
          type: 'visit',
          url: decision.url,
          domain: decision.domain,
          title: null,
          startedAt: '2025-01-06T09:00:00.000Z',
          endedAt: '2025-01-06T09:00:01.000Z',
          activeMs: 1000,
          sessionId: id,
          transition: null,
        };
        expect(VisitEventSchema.safeParse(event).error?.issues).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
  });
});
