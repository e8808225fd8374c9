import { describe, expect, it } from 'vitest';
import { browserOpen, CONSENTED, ev, iso, run, SEC } from './tracker-test-kit.js';

const A = 'https://a.example/';
const B = 'https://b.example/';

describe('visit boundaries', () => {
  it('ends a visit when the tab navigates and starts the next at the same instant', () => {
    const { finished, state } = run([
      ...browserOpen(),
      ev.nav(0, 1, A, { transition: 'typed', title: 'A' }),
      ev.nav(12 * SEC, 1, B, { title: 'B' }),
    ]);
    expect(finished).toEqual([
      {
        id: '00000000-0000-7000-8000-000000000002',
        type: 'visit',
        url: A,
        domain: 'a.example',
        title: 'A',
        startedAt: iso(0),
        endedAt: iso(12 * SEC),
        activeMs: 12 * SEC,
        sessionId: '00000000-0000-7000-8000-000000000001',
        transition: 'typed',
      },
    ]);
    expect(state.tabs['1']?.visit).toMatchObject({ url: B, startedAt: Date.parse(iso(12 * SEC)) });
  });

  it('makes a reload a new visit of the same page', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.nav(5 * SEC, 1, A, { transition: 'reload' }),
      ev.remove(7 * SEC, 1),
    ]);
    expect(finished).toMatchObject([
      { url: A, transition: 'link', activeMs: 5 * SEC },
      { url: A, transition: 'reload', startedAt: iso(5 * SEC), activeMs: 2 * SEC },
    ]);
    expect(finished[0]?.sessionId).toBe(finished[1]?.sessionId);
  });

  it('records a page found already open with a null transition', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A, { transition: null }),
      ev.remove(1, 1),
    ]);
    expect(finished).toMatchObject([{ transition: null }]);
  });

  it('ends the visit when the tab closes', () => {
    const { finished, state } = run([...browserOpen(), ev.nav(0, 1, A), ev.remove(3 * SEC, 1)]);
    expect(finished).toMatchObject([{ endedAt: iso(3 * SEC) }]);
    expect(state.tabs).toEqual({});
    expect(state.activeTabs).toEqual({});
  });

  it.each([
    'chrome://newtab/',
    'about:blank',
    'moz-extension://0c1d2e3f-1111-2222-3333-444455556666/options.html',
    'file:///tmp/a.html',
    'data:text/html,hi',
  ])('records nothing for %s but still ends the previous visit', (url) => {
    const { finished, state } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.nav(4 * SEC, 1, url),
      ev.nav(9 * SEC, 1, B),
      ev.remove(10 * SEC, 1),
    ]);
    expect(finished).toMatchObject([
      { url: A, endedAt: iso(4 * SEC), activeMs: 4 * SEC },
      { url: B, startedAt: iso(9 * SEC), activeMs: 1 * SEC },
    ]);
    expect(state.tabs).toEqual({});
  });
});

describe('single-page apps', () => {
  it('ends the visit on a route change and starts one with transition spa', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, 'https://app.example/inbox', { title: 'Inbox' }),
      ev.spa(8 * SEC, 1, 'https://app.example/mail/42'),
      ev.title(9 * SEC, 1, 'Mail 42'),
      ev.spa(20 * SEC, 1, 'https://app.example/inbox'),
      ev.remove(21 * SEC, 1),
    ]);
    expect(finished).toMatchObject([
      { url: 'https://app.example/inbox', title: 'Inbox', transition: 'link', activeMs: 8 * SEC },
      {
        url: 'https://app.example/mail/42',
        title: 'Mail 42',
        transition: 'spa',
        activeMs: 12 * SEC,
      },
      { url: 'https://app.example/inbox', transition: 'spa', activeMs: 1 * SEC },
    ]);
  });

  it('keeps one visit when the change is invisible at the privacy level', () => {
    const same = [
      ...browserOpen(),
      ev.nav(0, 1, 'https://app.example/list?page=1'),
      ev.spa(5 * SEC, 1, 'https://app.example/list?page=2'),
      ev.spa(6 * SEC, 1, 'https://app.example/list?page=2&token=abc'),
      ev.remove(10 * SEC, 1),
    ];
    // At 'full' the page number is visible but the removed token is not.
    expect(run(same).finished).toMatchObject([
      { url: 'https://app.example/list?page=1', activeMs: 5 * SEC },
      { url: 'https://app.example/list?page=2', activeMs: 5 * SEC },
    ]);
    expect(run(same, { settings: { ...CONSENTED, level: 'path' } }).finished).toMatchObject([
      { url: 'https://app.example/list', activeMs: 10 * SEC },
    ]);
    expect(run(same, { settings: { ...CONSENTED, level: 'domain' } }).finished).toMatchObject([
      { url: null, domain: 'app.example', activeMs: 10 * SEC },
    ]);
  });

  it('keeps one visit for a replaceState to the same URL', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, 'https://app.example/a'),
      ev.spa(1 * SEC, 1, 'https://app.example/a#top'),
      ev.remove(2 * SEC, 1),
    ]);
    expect(finished).toMatchObject([{ transition: 'link', activeMs: 2 * SEC }]);
  });

  it('moves a visit less than a second old to the new route: a client-side redirect is one visit', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, 'https://app.example/', { title: 'App', transition: 'typed' }),
      ev.spa(300, 1, 'https://app.example/login', { title: 'App' }),
      ev.title(400, 1, 'Sign in'),
      ev.spa(999, 1, 'https://app.example/home'),
      ev.title(1_200, 1, 'Home'),
      ev.spa(5 * SEC, 1, 'https://app.example/mail'),
      ev.remove(7 * SEC, 1),
    ]);
    expect(finished).toEqual([
      expect.objectContaining({
        url: 'https://app.example/home',
        title: 'Home',
        transition: 'typed',
        startedAt: iso(0),
        endedAt: iso(5 * SEC),
        activeMs: 5 * SEC,
      }),
      expect.objectContaining({
        url: 'https://app.example/mail',
        transition: 'spa',
        startedAt: iso(5 * SEC),
        activeMs: 2 * SEC,
      }),
    ]);
  });

  it('makes at most one visit a second of a page that pushes states in a loop', () => {
    // A state every 100 ms for 10 s: 100 route changes.
    const pushes = Array.from({ length: 100 }, (_, i) =>
      ev.spa((i + 1) * 100, 1, `https://app.example/feed?item=${i + 1}`),
    );
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, 'https://app.example/feed'),
      ...pushes,
      ev.remove(11 * SEC, 1),
    ]);
    // Visits start at 0, 1 s, ..., 10 s; each ended by a route change lasted a second.
    expect(finished.map((v) => v.startedAt)).toEqual(
      Array.from({ length: 11 }, (_, i) => iso(i * SEC)),
    );
    expect(
      finished.slice(0, -1).map((v) => Date.parse(v.endedAt) - Date.parse(v.startedAt)),
    ).toEqual(Array(10).fill(SEC));
    expect(finished.map((v) => v.url)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `https://app.example/feed?item=${i * 10 + 9}`),
      'https://app.example/feed?item=100',
    ]);
    expect(finished.reduce((n, v) => n + v.activeMs, 0)).toBe(11 * SEC);
  });

  it('still ends a young visit when the new route is not recorded', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.spa(500, 1, 'https://a.example/private', { incognito: true }),
      ev.remove(3 * SEC, 1),
    ]);
    expect(finished).toMatchObject([{ url: A, endedAt: iso(500), activeMs: 500 }]);
  });
});

describe('titles', () => {
  it('keeps the latest real title and ignores URL-like placeholders', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, 'https://a.example/reset?token=s3cret', {
        title: 'a.example/reset?token=s3cret',
      }),
      ev.title(1 * SEC, 1, 'Reset password'),
      ev.title(2 * SEC, 1, 'a.example/reset?token=s3cret'),
      ev.remove(3 * SEC, 1),
    ]);
    expect(finished).toMatchObject([{ url: 'https://a.example/reset', title: 'Reset password' }]);
  });

  it('ignores a title change for a tab with no open visit', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.title(0, 1, 'x'),
      ev.nav(1, 1, A),
      ev.remove(2, 1),
    ]);
    expect(finished).toMatchObject([{ title: null }]);
  });
});

describe('replaced tabs', () => {
  it('swaps in a prerendered tab: the old visit ends, the prerendered one takes its place', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      // The prerendered page committed in a hidden tab before it was shown.
      ev.nav(3 * SEC, 50, B, { windowId: -1 }),
      ev.replace(5 * SEC, 50, 1),
      ev.remove(9 * SEC, 50),
    ]);
    expect(finished).toMatchObject([
      { url: A, endedAt: iso(5 * SEC), activeMs: 5 * SEC },
      { url: B, startedAt: iso(3 * SEC), endedAt: iso(9 * SEC), activeMs: 4 * SEC },
    ]);
  });

  it('carries the visit over when a discarded tab comes back under a new id', () => {
    const { finished, state } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.nav(0, 2, B),
      ev.replace(5 * SEC, 60, 2),
      ev.activate(10 * SEC, 60),
      ev.remove(12 * SEC, 60),
    ]);
    expect(state.tabs['2']).toBeUndefined();
    expect(finished).toMatchObject([
      { url: B, startedAt: iso(0), endedAt: iso(12 * SEC), activeMs: 2 * SEC },
    ]);
  });

  it('keeps the new tab active in its window when the active tab is replaced', () => {
    const { finished } = run([
      ...browserOpen(),
      ev.nav(0, 1, A),
      ev.replace(5 * SEC, 60, 1),
      ev.remove(12 * SEC, 60),
    ]);
    expect(finished).toMatchObject([{ url: A, activeMs: 12 * SEC }]);
  });
});

describe('pages that are never recorded', () => {
  it('records nothing in a private window, and a private tab stays private', () => {
    const { finished, state } = run([
      ev.focus(0, 9),
      ev.activate(0, 5, 9),
      ev.nav(0, 5, A, { windowId: 9, incognito: true }),
      ev.spa(3 * SEC, 5, 'https://a.example/next', { windowId: 9, incognito: false }),
      ev.remove(10 * SEC, 5),
    ]);
    expect(finished).toEqual([]);
    expect(state.tabs).toEqual({});
  });

  it('records nothing on a paused site and ends the visit before it', () => {
    const { finished } = run(
      [
        ...browserOpen(),
        ev.nav(0, 1, A),
        ev.nav(5 * SEC, 1, 'https://www.b.example/x'),
        ev.remove(9 * SEC, 1),
      ],
      { settings: { ...CONSENTED, pausedSites: ['b.example'] } },
    );
    expect(finished).toMatchObject([{ url: A, endedAt: iso(5 * SEC) }]);
  });

  it('records only allowlisted sites in allowlist-only mode', () => {
    const { finished } = run(
      [
        ...browserOpen(),
        ev.nav(0, 1, A),
        ev.nav(5 * SEC, 1, 'https://docs.b.example/'),
        ev.remove(9 * SEC, 1),
      ],
      { settings: { ...CONSENTED, allowlistOnly: true, allowlist: ['b.example'] } },
    );
    expect(finished).toMatchObject([{ url: 'https://docs.b.example/', activeMs: 4 * SEC }]);
  });

  it('records nothing before consent', () => {
    const { finished, state } = run([...browserOpen(), ev.nav(0, 1, A), ev.remove(5 * SEC, 1)], {
      settings: { ...CONSENTED, consent: false },
    });
    expect(finished).toEqual([]);
    expect(state.session.id).toBeNull();
  });
});
