import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VisitEvent } from '#protocol';
import { step } from './step.js';
import type { TrackerEvent } from './tracker-events.js';
import { initialTrackerState, type TrackerState } from './tracker-state.js';
import { browserOpen, CONSENTED, counterIds, ev, iso, MIN, run, SEC } from './tracker-test-kit.js';

const A = 'https://a.example/';
const B = 'https://b.example/';

/** Runs with the state kept as a live object, never serialised. */
function runInMemory(events: readonly TrackerEvent[]): VisitEvent[] {
  let state: TrackerState = initialTrackerState(CONSENTED);
  const newId = counterIds();
  const finished: VisitEvent[] = [];
  for (const event of events) {
    const result = step(state, event, { newId });
    finished.push(...result.finished);
    state = result.state;
  }
  return finished;
}

describe('worker restart', () => {
  const script: TrackerEvent[] = [
    ...browserOpen(),
    ev.nav(0, 1, A, { title: 'A' }),
    ev.nav(0, 2, B),
    ev.audible(5 * SEC, 2, true),
    ev.checkpoint(30 * SEC),
    ev.activate(40 * SEC, 2),
    ev.idle(50 * SEC, 'idle'),
    ev.audible(55 * SEC, 2, false),
    ev.idle(70 * SEC, 'active'),
    ev.spa(80 * SEC, 2, 'https://b.example/x'),
    ev.remove(90 * SEC, 2),
    ev.remove(95 * SEC, 1),
  ];

  it('continues exactly from state passed through JSON between every step', () => {
    const restarted = run(script).finished;
    expect(restarted).toEqual(runInMemory(script));
    expect(restarted).toMatchObject([
      { url: B, activeMs: 80 * SEC - 5 * SEC - 15 * SEC },
      { url: 'https://b.example/x', activeMs: 10 * SEC },
      // Closing the active tab 2 leaves window 1 with no active tab until the browser says which.
      { url: A, activeMs: 40 * SEC },
    ]);
  });

  it('does not change the state it was given', () => {
    const { state } = run(script.slice(0, 5));
    const before = JSON.stringify(state);
    step(state, ev.remove(60 * SEC, 1), { newId: counterIds() });
    expect(JSON.stringify(state)).toBe(before);
  });
});

describe('crash recovery on browser startup', () => {
  it('closes open visits at the last checkpoint, crediting nothing after it', () => {
    const { finished, state } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.nav(0, 2, B),
      ev.checkpoint(1 * MIN),
      ev.checkpoint(2 * MIN),
      ev.checkpoint(3 * MIN),
      // The browser crashed at 3:40 and started again an hour later.
      ev.startup(63 * MIN),
    ]);
    expect(finished).toMatchObject([
      { url: A, startedAt: iso(0), endedAt: iso(3 * MIN), activeMs: 3 * MIN },
      { url: B, startedAt: iso(0), endedAt: iso(3 * MIN), activeMs: 0 },
    ]);
    expect(state.tabs).toEqual({});
    expect(state.focusedWindowId).toBe(-1);
  });

  it('closes at the last event when it came after the last checkpoint', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.checkpoint(1 * MIN),
      ev.blur(1 * MIN + 20 * SEC),
      ev.startup(10 * MIN),
    ]);
    expect(finished).toMatchObject([{ endedAt: iso(80 * SEC), activeMs: 80 * SEC }]);
  });

  it('resumes the session after a quick restart and forgets old tab ids', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.checkpoint(1 * MIN),
      ev.startup(5 * MIN),
      // Tab ids restart; tab 1 is a different tab now and starts unfocused.
      ev.nav(5 * MIN, 1, B),
      ev.remove(6 * MIN, 1),
      ev.nav(40 * MIN, 2, A),
      ev.remove(41 * MIN, 2),
    ]);
    expect(finished).toMatchObject([
      { url: A, endedAt: iso(1 * MIN), activeMs: 1 * MIN },
      { url: B, activeMs: 0 },
      { url: A, activeMs: 0 },
    ]);
    expect(finished[0]?.sessionId).toBe(finished[1]?.sessionId);
    expect(finished[2]?.sessionId).not.toBe(finished[1]?.sessionId);
  });

  it('does nothing on a first startup', () => {
    const { finished, state } = run([ev.startup(0)]);
    expect(finished).toEqual([]);
    expect(state.clock).toBe(Date.parse(iso(0)));
  });

  it('loses at most one checkpoint interval of active time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 * MIN }), (crashAt) => {
        const checkpoints = Array.from({ length: Math.floor(crashAt / MIN) }, (_, i) =>
          ev.checkpoint((i + 1) * MIN),
        );
        const { finished } = run([
          ...browserOpen(),
          ev.nav(0, 1, A),
          ...checkpoints,
          ev.startup(crashAt + 5 * MIN),
        ]);
        const lost = crashAt - (finished[0]?.activeMs ?? 0);
        return lost >= 0 && lost < MIN;
      }),
    );
  });
});
