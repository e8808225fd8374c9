import { describe, expect, it } from 'vitest';
import { LIMITS, type VisitEvent, VisitEventSchema } from '#protocol';
import { openVisitsAt } from './open-visits.js';
import { step } from './step.js';
import { browserOpen, counterIds, ev, iso, MIN, run, SEC, T0 } from './tracker-test-kit.js';

const A = 'https://a.example/';
const B = 'https://b.example/';
const C = 'https://c.example/';

describe('active time: tabs and windows', () => {
  it('counts the whole visit of the active tab of the focused window', () => {
    const { finished } = run([...browserOpen(), ev.nav(0, 1, A), ev.remove(90 * SEC, 1)]);
    expect(finished).toMatchObject([
      { url: A, startedAt: iso(0), endedAt: iso(90 * SEC), activeMs: 90 * SEC },
    ]);
  });

  it('moves active time with tab switches', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.nav(1 * SEC, 2, B), // opened in the background
      ev.activate(10 * SEC, 2),
      ev.activate(25 * SEC, 1),
      ev.activate(26_500, 2),
      ev.remove(30 * SEC, 1),
      ev.remove(40 * SEC, 2),
    ]);
    expect(finished).toMatchObject([
      { url: A, endedAt: iso(30 * SEC), activeMs: 10 * SEC + 1500 },
      { url: B, startedAt: iso(1 * SEC), endedAt: iso(40 * SEC), activeMs: 15 * SEC + 13_500 },
    ]);
  });

  it('stops when focus leaves the browser and resumes when it comes back', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.blur(20 * SEC),
      ev.focus(50 * SEC, 1),
      ev.remove(60 * SEC, 1),
    ]);
    expect(finished).toMatchObject([{ activeMs: 30 * SEC }]);
  });

  it('follows focus to another window and its active tab', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.nav(0, 7, B, { windowId: 2 }),
      ev.activate(0, 7, 2),
      ev.focus(10 * SEC, 2),
      ev.focus(15 * SEC, 1),
      ev.remove(20 * SEC, 1),
      ev.remove(20 * SEC, 7),
    ]);
    expect(finished).toMatchObject([
      { url: A, activeMs: 15 * SEC },
      { url: B, activeMs: 5 * SEC },
    ]);
  });

  it('ignores tab switches in a window that does not have focus', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.nav(0, 7, B, { windowId: 2 }),
      ev.activate(5 * SEC, 7, 2),
      ev.remove(10 * SEC, 7),
      ev.remove(10 * SEC, 1),
    ]);
    expect(finished).toMatchObject([
      { url: B, activeMs: 0 },
      { url: A, activeMs: 10 * SEC },
    ]);
  });

  it('counts nothing before the shell has reported focus', () => {
    const { finished } = run([
      ev.nav(0, 1, A),
      ev.activate(4 * SEC, 1),
      ev.focus(5 * SEC, 1),
      ev.remove(8 * SEC, 1),
    ]);
    expect(finished).toMatchObject([{ startedAt: iso(0), activeMs: 3 * SEC }]);
  });
});

describe('active time: idle, lock and audible media', () => {
  it('stops while the person is idle or the screen is locked', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.idle(60 * SEC, 'idle'),
      ev.idle(5 * MIN, 'locked'),
      ev.idle(20 * MIN, 'active'),
      ev.remove(20 * MIN + 10 * SEC, 1),
    ]);
    expect(finished).toMatchObject([{ activeMs: 70 * SEC }]);
  });

  it('counts an audible background tab while the focused tab also counts', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.nav(0, 2, B),
      ev.audible(10 * SEC, 2, true),
      ev.audible(70 * SEC, 2, false),
      ev.remove(100 * SEC, 2),
      ev.remove(100 * SEC, 1),
    ]);
    expect(finished).toMatchObject([
      { url: B, activeMs: 60 * SEC },
      { url: A, activeMs: 100 * SEC },
    ]);
  });

  it('counts audible media while idle, locked or unfocused, but not the silent focused tab', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.nav(0, 2, B),
      ev.audible(0, 2, true),
      ev.idle(10 * SEC, 'idle'),
      ev.idle(20 * SEC, 'locked'),
      ev.blur(30 * SEC),
      ev.remove(40 * SEC, 2),
      ev.remove(40 * SEC, 1),
    ]);
    expect(finished).toMatchObject([
      { url: B, activeMs: 40 * SEC },
      { url: A, activeMs: 10 * SEC },
    ]);
  });

  it('counts several audible tabs at once', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.blur(0),
      ev.nav(0, 2, B),
      ev.nav(0, 3, C),
      ev.audible(0, 2, true),
      ev.audible(5 * SEC, 3, true),
      ev.remove(20 * SEC, 2),
      ev.remove(20 * SEC, 3),
    ]);
    expect(finished).toMatchObject([
      { url: B, activeMs: 20 * SEC },
      { url: C, activeMs: 15 * SEC },
    ]);
  });

  it('keeps a tab audible across navigations until the browser says otherwise', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.blur(0),
      ev.nav(0, 2, A),
      ev.audible(0, 2, true),
      ev.nav(10 * SEC, 2, B),
      ev.audible(15 * SEC, 2, false),
      ev.remove(20 * SEC, 2),
    ]);
    expect(finished).toMatchObject([
      { url: A, activeMs: 10 * SEC },
      { url: B, activeMs: 5 * SEC },
    ]);
  });
});

describe('active time: clocks', () => {
  it('is exact to the millisecond', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.blur(1234),
      ev.focus(2000, 1),
      ev.remove(2001, 1),
    ]);
    expect(finished).toMatchObject([{ activeMs: 1235, endedAt: iso(2001) }]);
  });

  it('treats an event stamped before the previous one as simultaneous with it', () => {
    const { finished } = run([...browserOpen(), ev.nav(10 * SEC, 1, A), ev.remove(5 * SEC, 1)]);
    expect(finished).toMatchObject([
      { startedAt: iso(10 * SEC), endedAt: iso(10 * SEC), activeMs: 0 },
    ]);
  });

  it('refuses an event without a usable time rather than corrupt the state', () => {
    const { state } = run(browserOpen());
    expect(() =>
      step(state, { type: 'checkpoint', at: Number.NaN }, { newId: counterIds() }),
    ).toThrow(RangeError);
  });

  it('credits nothing for a span longer than maxAccrualGapMs (the machine slept)', () => {
    const events = [
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.checkpoint(1 * MIN),
      ev.checkpoint(2 * MIN),
      // Suspended for eight hours with the page in front.
      ev.checkpoint(8 * 60 * MIN),
      ev.remove(8 * 60 * MIN + 30 * SEC, 1),
    ];
    expect(run(events, { maxAccrualGapMs: 5 * MIN }).finished).toMatchObject([
      { activeMs: 2 * MIN + 30 * SEC, endedAt: iso(8 * 60 * MIN + 30 * SEC) },
    ]);
    expect(run(events).finished).toMatchObject([{ activeMs: 8 * 60 * MIN + 30 * SEC }]);
  });
});

describe('openVisitsAt', () => {
  it('shows open visits with their active time so far, without changing the state', () => {
    const { state } = run([...browserOpen(), ev.nav(0, 1, A), ev.nav(0, 2, B)]);
    const before = JSON.stringify(state);
    expect(openVisitsAt(state, T0 + 45 * SEC)).toMatchObject([
      { url: A, activeMs: 45 * SEC, endedAt: iso(45 * SEC) },
      { url: B, activeMs: 0, endedAt: iso(45 * SEC) },
    ]);
    expect(JSON.stringify(state)).toBe(before);
  });
});

describe('active time: a visit past the bound the server takes', () => {
  const DAY = 24 * 60 * MIN;
  /** A tab playing sound for `days` days, a checkpoint every 5 minutes, then closed. */
  function radioFor(days: number) {
    const events = [...browserOpen(), ev.nav(0, 1, A), ev.audible(0, 1, true)];
    for (let t = 5 * MIN; t < days * DAY; t += 5 * MIN) events.push(ev.checkpoint(t));
    events.push(ev.remove(days * DAY, 1));
    return run(events);
  }

  it('goes on in a new visit when one reaches LIMITS.maxVisitActiveMs, losing no time', () => {
    const { finished } = radioFor(32);
    expect(finished.map((v) => VisitEventSchema.safeParse(v).error?.issues ?? [])).toEqual([
      [],
      [],
    ]);
    const [first, second] = finished as [VisitEvent, VisitEvent];
    expect(first).toMatchObject({ url: A, startedAt: iso(0), activeMs: LIMITS.maxVisitActiveMs });
    expect(second).toMatchObject({ url: A, endedAt: iso(32 * DAY), activeMs: 32 * DAY - 31 * DAY });
    expect(second.startedAt).toBe(first.endedAt);
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.id).not.toBe(first.id);
    expect(second.transition).toBeNull();
  });

  it('splits a visit a startup finds past the bound, as an older version could have kept it', () => {
    const open = run([...browserOpen(), ev.nav(0, 1, A), ev.audible(0, 1, true)]).state;
    const tab = open.tabs['1'];
    if (tab?.visit == null) throw new Error('no open visit');
    tab.visit.activeMs = 70 * DAY;
    open.clock = T0 + 70 * DAY;
    open.lastCheckpointAt = T0 + 70 * DAY;
    const { finished } = run([ev.startup(71 * DAY)], { state: open });
    expect(finished.map((v) => v.activeMs)).toEqual([
      LIMITS.maxVisitActiveMs,
      LIMITS.maxVisitActiveMs,
      8 * DAY,
    ]);
    expect(finished.every((v) => VisitEventSchema.safeParse(v).success)).toBe(true);
    expect(finished.map((v) => v.endedAt)).toEqual([iso(31 * DAY), iso(62 * DAY), iso(70 * DAY)]);
  });
});
