import { describe, expect, it } from 'vitest';
import { SESSION_GAP_MS } from './session.js';
import { browserOpen, ev, MIN, run, SEC } from './tracker-test-kit.js';

const A = 'https://a.example/';
const B = 'https://b.example/';

function sessionsOf(visits: readonly { sessionId: string }[]): number[] {
  const order: string[] = [];
  return visits.map(({ sessionId }) => {
    if (!order.includes(sessionId)) order.push(sessionId);
    return order.indexOf(sessionId);
  });
}

describe('sessions', () => {
  it('keeps visits with gaps under 30 minutes in one session', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.remove(5 * MIN, 1),
      ev.nav(5 * MIN + SESSION_GAP_MS - 1, 2, B),
      ev.remove(40 * MIN, 2),
    ]);
    expect(sessionsOf(finished)).toEqual([0, 0]);
  });

  it('starts a new session after a gap of exactly 30 minutes', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.remove(5 * MIN, 1),
      ev.nav(5 * MIN + SESSION_GAP_MS, 2, B),
      ev.remove(40 * MIN, 2),
    ]);
    expect(sessionsOf(finished)).toEqual([0, 1]);
  });

  it('is not held open by a background tab nobody looks at', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.nav(0, 2, 'https://mail.example/'), // a pinned tab, open all day, never activated
      ev.blur(5 * MIN),
      ev.focus(3 * 60 * MIN, 1),
      ev.nav(3 * 60 * MIN + 1 * SEC, 1, B),
      ev.remove(3 * 60 * MIN + 2 * SEC, 1),
      ev.remove(3 * 60 * MIN + 2 * SEC, 2),
    ]);
    expect(finished.map((v) => v.url)).toEqual([A, B, 'https://mail.example/']);
    expect(sessionsOf(finished)).toEqual([0, 1, 0]);
  });

  it('starts a new session for visits after attention resumes from a long break', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.idle(1 * MIN, 'idle'),
      ev.idle(2 * 60 * MIN, 'active'),
      // Reading A again for five minutes does not put A in the new session.
      ev.nav(2 * 60 * MIN + 5 * MIN, 1, B),
      ev.remove(2 * 60 * MIN + 6 * MIN, 1),
    ]);
    expect(finished).toMatchObject([
      { url: A, activeMs: 6 * MIN },
      { url: B, activeMs: 1 * MIN },
    ]);
    expect(sessionsOf(finished)).toEqual([0, 1]);
  });

  it('stays one session through a long read of a single page', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.nav(2 * 60 * MIN, 1, B),
      ev.remove(2 * 60 * MIN + 1, 1),
    ]);
    expect(sessionsOf(finished)).toEqual([0, 0]);
  });

  it('stays one session while music plays with the person away', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.nav(0, 2, 'https://music.example/'),
      ev.audible(0, 2, true),
      ev.idle(1 * MIN, 'locked'),
      ev.idle(90 * MIN, 'active'),
      ev.nav(91 * MIN, 1, B),
      ev.remove(92 * MIN, 1),
      ev.remove(92 * MIN, 2),
    ]);
    expect(sessionsOf(finished)).toEqual([0, 0, 0]);
  });

  it('counts a visit starting or ending in a background tab as activity', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.blur(1 * MIN),
      // A background page reloads itself every 20 minutes.
      ev.nav(20 * MIN, 3, 'https://dash.example/'),
      ev.nav(40 * MIN, 3, 'https://dash.example/', { transition: 'reload' }),
      ev.focus(60 * MIN, 1),
      ev.nav(61 * MIN, 1, B),
      ev.remove(62 * MIN, 1),
      ev.remove(62 * MIN, 3),
    ]);
    expect(sessionsOf(finished)).toEqual([0, 0, 0, 0]);
  });
});
