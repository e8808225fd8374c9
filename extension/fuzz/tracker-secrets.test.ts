/**
 * The tracker's persisted state and its finished visits hold only redacted
 * data (tracker README, "What the shell has to send"): over random event
 * sequences whose URLs and titles carry secrets, no secret ever appears in
 * either. Timing and schema properties of the same state machine are in
 * extension/tracker/step.property.test.ts; this file adds only the privacy one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRIVACY_LEVELS } from '#protocol';
import { step, type TrackerEvent } from '../tracker/index.js';
import { initialTrackerState, type TrackerState } from '../tracker/tracker-state.js';
import { CONSENTED, counterIds, T0 } from '../tracker/tracker-test-kit.js';
import { SECRET_MARK, webUrlWithParamsArb } from './url-arbitraries.js';

const tabId = fc.integer({ min: 1, max: 3 });
const pageUrl = fc.oneof(
  webUrlWithParamsArb.map((u) => u.href),
  fc.constantFrom(
    `https://example.com/a?token=${SECRET_MARK}#x`,
    `https://u:${SECRET_MARK}@example.com/`,
    `https://example.com/reset?code=${SECRET_MARK}`,
  ),
);
/** Browsers show the raw URL as the title of an untitled page. */
const title = fc.option(
  fc.oneof(
    pageUrl,
    pageUrl.map((u) => u.replace(/^https?:\/\//, '')),
    fc.string({ maxLength: 10 }),
  ),
  { nil: undefined },
);

type Timeless<E> = E extends TrackerEvent ? Omit<E, 'at'> : never;

const eventArb: fc.Arbitrary<Timeless<TrackerEvent>> = fc.oneof(
  fc.record({
    type: fc.constant('navigationCommitted' as const),
    tabId,
    windowId: fc.constant(1),
    url: pageUrl,
    title,
    transition: fc.constant('link' as const),
    incognito: fc.boolean(),
  }),
  fc.record({
    type: fc.constant('historyStateUpdated' as const),
    tabId,
    windowId: fc.constant(1),
    url: pageUrl,
    title,
    incognito: fc.constant(false),
  }),
  fc.record({ type: fc.constant('titleChanged' as const), tabId, title: pageUrl }),
  fc.record({ type: fc.constant('tabActivated' as const), tabId, windowId: fc.constant(1) }),
  fc.record({ type: fc.constant('windowFocusChanged' as const), windowId: fc.constant(1) }),
  fc.record({ type: fc.constant('tabRemoved' as const), tabId }),
  fc.record({
    type: fc.constant('settingsChanged' as const),
    settings: fc.constantFrom(...PRIVACY_LEVELS).map((level) => ({ ...CONSENTED, level })),
  }),
);

const scriptArb = fc
  .array(fc.tuple(eventArb, fc.integer({ min: 0, max: 60_000 })), { minLength: 1, maxLength: 40 })
  .map((pairs) => {
    let at = T0;
    return pairs.map(([event, delta]) => {
      at += delta;
      return { ...event, at } as TrackerEvent;
    });
  });

describe('tracker privacy over random event sequences', () => {
  it('never keeps a secret from a URL or URL-like title in its state or its visits', () => {
    fc.assert(
      fc.property(scriptArb, (events) => {
        let state: TrackerState = initialTrackerState(CONSENTED);
        const newId = counterIds();
        for (const event of events) {
          const result = step(state, event, { newId });
          state = result.state;
          expect(JSON.stringify(result.finished)).not.toContain(SECRET_MARK);
          expect(JSON.stringify(state)).not.toContain(SECRET_MARK);
        }
      }),
      { numRuns: 500 },
    );
  });
});
