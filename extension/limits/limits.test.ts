import { describe, expect, it } from 'vitest';
import { makeDayOf } from '../db/day.js';
import {
  countedRows,
  dayStateFor,
  dueThresholds,
  holds,
  limitProblems,
  SNOOZE_MS,
  targetCovers,
  usedMsOn,
  withOpenedAnyway,
  withSnooze,
} from './limits.js';

const MIN = 60_000;
/** UTC+2 all year: local midnight is 22:00 UTC. */
const dayOf = makeDayOf(() => -120);
const siteOf = (host: string) => host.split('.').slice(-2).join('.');
const match = { siteOf, categoryOf: (site: string) => (site === 'news.org' ? 'news' : null) };

describe('usedMsOn', () => {
  const recorded = [
    { day: '2025-01-06', domain: 'www.example.com', activeMs: 20 * MIN, visits: 2 },
    { day: '2025-01-06', domain: 'blog.example.com', activeMs: 5 * MIN, visits: 1 },
    { day: '2025-01-06', domain: 'news.org', activeMs: 7 * MIN, visits: 1 },
    { day: '2025-01-05', domain: 'example.com', activeMs: 60 * MIN, visits: 1 },
  ];

  it('adds the hosts of a site and its open visits of the day', () => {
    const open = [
      { domain: 'example.com', startedAt: Date.UTC(2025, 0, 6, 9), activeMs: 3 * MIN },
      { domain: 'other.net', startedAt: Date.UTC(2025, 0, 6, 9), activeMs: 9 * MIN },
    ];
    expect(usedMsOn('example.com', '2025-01-06', recorded, open, match, dayOf)).toBe(28 * MIN);
    expect(usedMsOn('category:news', '2025-01-06', recorded, open, match, dayOf)).toBe(7 * MIN);
    expect(usedMsOn('category:news', '2025-01-06', recorded, open, { siteOf }, dayOf)).toBe(0);
  });

  it('counts all linked browsers’ rows when the limit asks for them and a summary is at hand', () => {
    const across = [
      ...recorded.slice(0, 2),
      { day: '2025-01-06', domain: 'example.com', activeMs: 40 * MIN, visits: 3 },
    ];
    const all = { target: 'example.com', limitMs: 60 * MIN, holdMeToIt: false, allBrowsers: true };
    const own = { ...all, allBrowsers: false };
    const used = (rows: readonly (typeof recorded)[number][]) =>
      usedMsOn('example.com', '2025-01-06', rows, [], match, dayOf);
    expect(used(countedRows(all, recorded, across))).toBe(65 * MIN);
    expect(used(countedRows(own, recorded, across))).toBe(25 * MIN);
    expect(used(countedRows({ ...all, allBrowsers: undefined }, recorded, across))).toBe(25 * MIN);
    expect(used(countedRows(all, recorded, null))).toBe(25 * MIN);
  });

  it('counts a visit open across local midnight on the day it started, as its rollup will', () => {
    // Started 23:50 local on the 6th (21:50 UTC); 30 min of it so far, now 00:20 local on the 7th.
    const open = [
      { domain: 'example.com', startedAt: Date.UTC(2025, 0, 6, 21, 50), activeMs: 30 * MIN },
    ];
    expect(usedMsOn('example.com', '2025-01-06', recorded, open, match, dayOf)).toBe(55 * MIN);
    expect(usedMsOn('example.com', '2025-01-07', recorded, open, match, dayOf)).toBe(0);
  });

  it('after a tab switch, the finished visit in the rollups and the new one open add up', () => {
    // Tab A's visit (4 min) was recorded on the switch; tab B's has 2 min so far.
    const rows = [{ day: '2025-01-06', domain: 'a.example.com', activeMs: 4 * MIN, visits: 1 }];
    const open = [
      { domain: 'b.example.com', startedAt: Date.UTC(2025, 0, 6, 9, 4), activeMs: 2 * MIN },
    ];
    expect(usedMsOn('example.com', '2025-01-06', rows, open, match, dayOf)).toBe(6 * MIN);
  });
});

describe('notices and holds', () => {
  const limit = { target: 'example.com', limitMs: 10 * MIN, holdMeToIt: true };

  it('each threshold is due once a day', () => {
    let state = dayStateFor(null, '2025-01-06');
    expect(dueThresholds(limit, 8 * MIN - 1, state)).toEqual([]);
    expect(dueThresholds(limit, 8 * MIN, state)).toEqual([80]);
    state = {
      ...state,
      fired: [{ target: 'example.com', threshold: 80, at: 1, usedMs: 8 * MIN, shown: true }],
    };
    expect(dueThresholds(limit, 9 * MIN, state)).toEqual([]);
    expect(dueThresholds(limit, 10 * MIN, state)).toEqual([100]);
    expect(dueThresholds({ ...limit, target: 'other.net' }, 10 * MIN, state)).toEqual([80, 100]);
    // The next day starts over; the same day keeps what fired.
    expect(dayStateFor(state, '2025-01-06')).toBe(state);
    expect(dueThresholds(limit, 10 * MIN, dayStateFor(state, '2025-01-07'))).toEqual([80, 100]);
  });

  it('holds once over the limit, not during a snooze, never after open anyway', () => {
    const now = Date.UTC(2025, 0, 6, 12);
    const state = dayStateFor(null, '2025-01-06');
    expect(holds(limit, 10 * MIN - 1, state, now)).toBe(false);
    expect(holds(limit, 10 * MIN, state, now)).toBe(true);
    expect(holds({ ...limit, holdMeToIt: false }, 20 * MIN, state, now)).toBe(false);
    const snoozed = withSnooze(state, 'example.com', now);
    expect(holds(limit, 11 * MIN, snoozed, now + SNOOZE_MS - 1)).toBe(false);
    expect(holds(limit, 11 * MIN, snoozed, now + SNOOZE_MS)).toBe(true);
    const opened = withOpenedAnyway(state, 'example.com');
    expect(holds(limit, 60 * MIN, opened, now + 3_600_000)).toBe(false);
    expect(holds(limit, 60 * MIN, dayStateFor(opened, '2025-01-07'), now)).toBe(true);
  });
});

describe('targets', () => {
  it('a site target is the registrable domain; a category one its category', () => {
    expect(targetCovers('example.com', 'example.com', match)).toBe(true);
    expect(targetCovers('example.com', 'example.org', match)).toBe(false);
    expect(targetCovers('category:news', 'news.org', match)).toBe(true);
    expect(targetCovers('category:news', 'example.com', match)).toBe(false);
  });

  it('refuses what cannot be a target or a limit', () => {
    expect(limitProblems('example.com', 60)).toEqual([]);
    expect(limitProblems('category:social', 30)).toEqual([]);
    expect(limitProblems('category:custom:3', 30)).toEqual([]);
    expect(limitProblems('category:', 30)).toEqual(['target']);
    expect(limitProblems('https://example.com/', 60)).toEqual(['target']);
    expect(limitProblems('localhost', 0)).toEqual(['target', 'minutes']);
    expect(limitProblems('example.com', 1441)).toEqual(['minutes']);
    expect(limitProblems('example.com', 2.5)).toEqual(['minutes']);
  });
});
