import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type VisitEvent, VisitEventSchema } from '#protocol';
import { isAttended } from './attention.js';
import { openVisitsAt } from './open-visits.js';
import { step } from './step.js';
import { type TrackerEvent, WINDOW_ID_NONE } from './tracker-events.js';
import { initialTrackerState, type TrackerState } from './tracker-state.js';
import { CONSENTED, counterIds, MIN, T0 } from './tracker-test-kit.js';

const URLS = [
  'https://a.example/',
  'https://www.b.example/path?q=1&token=x#frag',
  'https://paused.example/',
  'https://bücher.example/',
  'http://[::1]:8080/',
  `https://long.example/${'x/'.repeat(1500)}`,
  'chrome://newtab/',
  'about:blank',
  'data:text/html,hi',
];

type Timeless<E> = E extends TrackerEvent ? Omit<E, 'at'> : never;

const tabId = fc.integer({ min: 1, max: 4 });
const windowId = fc.integer({ min: 1, max: 2 });
const url = fc.constantFrom(...URLS);
const title = fc.option(fc.string({ maxLength: 20 }), { nil: undefined });
/** True about one time in five. */
const rarely = fc.integer({ min: 0, max: 4 }).map((n) => n === 0);
const incognito = rarely;

const settingsArb = fc.record({
  consent: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
  pausedAll: rarely,
  level: fc.constantFrom('full' as const, 'path' as const, 'domain' as const),
  pausedSites: fc.subarray(['paused.example', 'b.example']),
  allowlistOnly: rarely,
  allowlist: fc.subarray(['a.example', 'xn--bcher-kva.example', '[::1]']),
});

function eventArb(withAudible: boolean): fc.Arbitrary<Timeless<TrackerEvent>> {
  // Weighted so that runs often hold several open visits in the focused window.
  const events: fc.WeightedArbitrary<Timeless<TrackerEvent>>[] = [
    {
      weight: 6,
      arbitrary: fc.record({
        type: fc.constant('navigationCommitted' as const),
        tabId,
        windowId,
        url,
        title,
        transition: fc.constantFrom('link' as const, 'typed' as const, 'reload' as const, null),
        incognito,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('historyStateUpdated' as const),
        tabId,
        windowId,
        url,
        title,
        incognito,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('titleChanged' as const),
        tabId,
        title: fc.string({ maxLength: 20 }),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({ type: fc.constant('tabActivated' as const), tabId, windowId }),
    },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('tabRemoved' as const), tabId }) },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('tabReplaced' as const),
        addedTabId: fc.integer({ min: 1, max: 6 }),
        removedTabId: tabId,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        type: fc.constant('windowFocusChanged' as const),
        windowId: fc.oneof(windowId, fc.constant(WINDOW_ID_NONE)),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('idleStateChanged' as const),
        state: fc.constantFrom(
          'active' as const,
          'active' as const,
          'idle' as const,
          'locked' as const,
        ),
      }),
    },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('checkpoint' as const) }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('startup' as const) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('settingsChanged' as const),
        settings: settingsArb,
      }),
    },
  ];
  if (withAudible) {
    events.push({
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('audibleChanged' as const),
        tabId,
        audible: fc.boolean(),
      }),
    });
  }
  return fc.oneof(...events);
}

/** Events with times: deltas from 0 (simultaneous) to 20 minutes, sometimes backwards. */
function scriptArb(withAudible: boolean): fc.Arbitrary<TrackerEvent[]> {
  const delta = fc.oneof(
    fc.integer({ min: 0, max: 5000 }),
    fc.integer({ min: -2000, max: 20 * MIN }),
  );
  return fc
    .array(fc.tuple(eventArb(withAudible), delta), { minLength: 1, maxLength: 80, size: 'large' })
    .map((pairs) => {
      let at = T0;
      return pairs.map(([event, d]) => {
        at += d;
        return { ...event, at } as TrackerEvent;
      });
    });
}

interface Outcome {
  visits: VisitEvent[];
  /** Most non-audible tabs attended with an open visit after any step. */
  maxSilentAttended: number;
  /**
   * Steps that credited more active time than the step's wall time allows:
   * one focused tab plus each audible one.
   */
  overCredited: number;
}

function activeTotal(state: TrackerState, finished: readonly VisitEvent[]): number {
  const open = openVisitsAt(state, state.clock ?? T0);
  return [...finished, ...open].reduce((sum, v) => sum + v.activeMs, 0);
}

function play(
  events: readonly TrackerEvent[],
  roundTrip: boolean,
  maxAccrualGapMs?: number,
): Outcome {
  let state: TrackerState = initialTrackerState(CONSENTED);
  const newId = counterIds();
  const visits: VisitEvent[] = [];
  let maxSilentAttended = 0;
  let overCredited = 0;
  for (const event of events) {
    const before = activeTotal(state, visits);
    const audible = Object.values(state.tabs).filter((tab) => tab.audible && tab.visit).length;
    const clock = state.clock;
    const result = step(state, event, { newId, ...(maxAccrualGapMs ? { maxAccrualGapMs } : {}) });
    visits.push(...result.finished);
    state = roundTrip ? (JSON.parse(JSON.stringify(result.state)) as TrackerState) : result.state;
    const elapsed = clock === null ? 0 : (state.clock ?? clock) - clock;
    if (activeTotal(state, visits) - before > elapsed * (1 + audible)) overCredited += 1;
    const silent = Object.entries(state.tabs).filter(
      ([key, tab]) => tab.visit !== null && !tab.audible && isAttended(state, Number(key)),
    );
    maxSilentAttended = Math.max(maxSilentAttended, silent.length);
  }
  visits.push(...openVisitsAt(state, state.clock ?? T0, maxAccrualGapMs));
  return { visits, maxSilentAttended, overCredited };
}

function span(v: VisitEvent): [number, number] {
  return [Date.parse(v.startedAt), Date.parse(v.endedAt)];
}

/** Total length of the union of the visits' [startedAt, endedAt] intervals. */
function unionLength(visits: readonly VisitEvent[]): number {
  const spans = visits.map(span).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cursor = Number.NEGATIVE_INFINITY;
  for (const [start, end] of spans) {
    const from = Math.max(start, cursor);
    if (end > from) total += end - from;
    cursor = Math.max(cursor, end);
  }
  return total;
}

describe('tracker properties over random event sequences', () => {
  it('emits only valid visits: schema, endedAt >= startedAt, activeMs within the visit', () => {
    fc.assert(
      fc.property(
        scriptArb(true),
        fc.option(fc.integer({ min: 1, max: 30 * MIN })),
        (events, gap) => {
          const { visits } = play(events, true, gap ?? undefined);
          for (const visit of visits) {
            const parsed = VisitEventSchema.safeParse(visit);
            expect(parsed.error?.issues).toBeUndefined();
            const [start, end] = span(visit);
            expect(end).toBeGreaterThanOrEqual(start);
            expect(visit.activeMs).toBeLessThanOrEqual(end - start);
          }
          expect(new Set(visits.map((v) => v.id)).size).toBe(visits.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never has two silent tabs accruing at once, nor credits more than wall time allows', () => {
    fc.assert(
      fc.property(scriptArb(true), (events) => {
        const outcome = play(events, true);
        expect(outcome.maxSilentAttended).toBeLessThanOrEqual(1);
        expect(outcome.overCredited).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('without audible media, active time of overlapping visits never adds up to more than wall time', () => {
    fc.assert(
      fc.property(scriptArb(false), (events) => {
        const { visits } = play(events, true);
        const total = visits.reduce((sum, v) => sum + v.activeMs, 0);
        expect(total).toBeLessThanOrEqual(unionLength(visits));
        for (const [i, a] of visits.entries()) {
          for (const b of visits.slice(i + 1)) {
            expect(a.activeMs + b.activeMs).toBeLessThanOrEqual(unionLength([a, b]));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same visits whether or not the state goes through JSON between steps', () => {
    fc.assert(
      fc.property(scriptArb(true), (events) => {
        expect(play(events, true).visits).toEqual(play(events, false).visits);
      }),
      { numRuns: 200 },
    );
  });

  it('records nothing from private windows', () => {
    fc.assert(
      fc.property(scriptArb(true), (events) => {
        const privateOnly = events.map((e) =>
          e.type === 'navigationCommitted' || e.type === 'historyStateUpdated'
            ? { ...e, incognito: true }
            : e,
        );
        expect(play(privateOnly, true).visits).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('never changes the state it is given: each step changes a copy that shares nothing with it', () => {
    const frozen = <T>(value: T): T => {
      if (typeof value === 'object' && value !== null) {
        for (const v of Object.values(value)) frozen(v);
        Object.freeze(value);
      }
      return value;
    };
    fc.assert(
      fc.property(scriptArb(true), (events) => {
        let state: TrackerState = initialTrackerState(CONSENTED);
        const newId = counterIds();
        for (const event of events) {
          const before = JSON.stringify(state);
          // Frozen: a change to it, at any depth, throws (modules run in strict mode).
          const next = step(frozen(state), event, { newId }).state;
          expect(JSON.stringify(state)).toBe(before);
          state = next;
        }
      }),
      { numRuns: 200 },
    );
  });
});
