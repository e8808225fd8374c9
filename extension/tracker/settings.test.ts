import { describe, expect, it } from 'vitest';
import { browserOpen, CONSENTED, ev, iso, run, SEC } from './tracker-test-kit.js';

const A = 'https://a.example/page?q=1';
const B = 'https://b.example/';

describe('settings changed while visits are open', () => {
  it('ends open visits when consent is withdrawn and records nothing more', () => {
    const { finished, state } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.nav(0, 2, B),
      ev.settings(10 * SEC, { consent: false }),
      ev.nav(12 * SEC, 1, B),
      ev.spa(13 * SEC, 2, 'https://b.example/next'),
      ev.remove(20 * SEC, 1),
    ]);
    expect(finished).toMatchObject([
      { url: A, endedAt: iso(10 * SEC), activeMs: 10 * SEC },
      { url: B, endedAt: iso(10 * SEC), activeMs: 0 },
    ]);
    expect(Object.values(state.tabs).every((tab) => tab.visit === null)).toBe(true);
  });

  it('starts recording at the next navigation once consent is given', () => {
    const { finished } = run(
      [
        ...browserOpen(),
        ev.nav(0, 1, A),
        ev.settings(5 * SEC, { consent: true }),
        ev.nav(8 * SEC, 1, B),
        ev.remove(9 * SEC, 1),
      ],
      { settings: { ...CONSENTED, consent: false } },
    );
    expect(finished).toMatchObject([{ url: B, startedAt: iso(8 * SEC), activeMs: 1 * SEC }]);
  });

  it('ends every open visit when tracking is paused everywhere', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.settings(3 * SEC, { pausedAll: true }),
      ev.nav(4 * SEC, 1, B),
      ev.remove(5 * SEC, 1),
    ]);
    expect(finished).toMatchObject([{ url: A, endedAt: iso(3 * SEC) }]);
  });

  it('ends only the visits on a site that gets paused', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, 'https://www.a.example/'),
      ev.nav(0, 2, B),
      ev.settings(6 * SEC, { pausedSites: ['a.example'] }),
      ev.spa(7 * SEC, 1, 'https://www.a.example/other'),
      ev.remove(9 * SEC, 2),
      ev.remove(9 * SEC, 1),
    ]);
    expect(finished).toMatchObject([
      { domain: 'www.a.example', endedAt: iso(6 * SEC), activeMs: 6 * SEC },
      { url: B, endedAt: iso(9 * SEC) },
    ]);
  });

  it('ends visits outside the allowlist when allowlist-only is switched on', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.nav(0, 2, B),
      ev.settings(2 * SEC, { allowlistOnly: true, allowlist: ['b.example'] }),
      ev.remove(4 * SEC, 2),
    ]);
    expect(finished).toMatchObject([
      { url: A, endedAt: iso(2 * SEC) },
      { url: B, endedAt: iso(4 * SEC) },
    ]);
  });

  it('applies a stricter privacy level to the visit being shown', () => {
    const strict = run([
      ...browserOpen(),
      ev.nav(0, 1, A, { title: 'Page' }),
      ev.settings(1 * SEC, { level: 'domain' }),
      ev.title(2 * SEC, 1, 'New title'),
      ev.remove(3 * SEC, 1),
    ]);
    expect(strict.finished).toMatchObject([
      { url: null, title: null, domain: 'a.example', activeMs: 3 * SEC },
    ]);
    const path = run([
      ...browserOpen(),
      ev.nav(0, 1, A, { title: 'Page' }),
      ev.settings(1 * SEC, { level: 'path' }),
      ev.remove(3 * SEC, 1),
    ]);
    // 'path' keeps no title, as its label says: the one already held goes too.
    expect(path.finished).toMatchObject([{ url: 'https://a.example/page', title: null }]);
    const fromStart = run(
      [
        ...browserOpen(),
        ev.nav(0, 1, A, { title: 'Page' }),
        ev.title(1 * SEC, 1, 'New title'),
        ev.remove(3 * SEC, 1),
      ],
      { settings: { ...CONSENTED, level: 'path' } },
    );
    expect(fromStart.finished).toMatchObject([{ url: 'https://a.example/page', title: null }]);
  });

  it('applies a looser privacy level from the next visit on', () => {
    const { finished } = run(
      [
        ...browserOpen(),
        ev.nav(0, 1, A, { title: 'Page' }),
        ev.settings(1 * SEC, { level: 'full' }),
        ev.nav(2 * SEC, 1, B, { title: 'B' }),
        ev.remove(3 * SEC, 1),
      ],
      { settings: { ...CONSENTED, level: 'domain' } },
    );
    expect(finished).toMatchObject([
      { url: null, title: null },
      { url: B, title: 'B' },
    ]);
  });
});
