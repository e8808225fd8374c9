import { afterEach, describe, expect, it, vi } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { eraseLocalData } from './erase.js';
import { eraseHistory } from './erase-history.js';
import { monthRollupsOf, sumsThrough } from './month-rollups.js';
import { rangeRollups } from './range-rollups.js';
import { recordFinishedVisits } from './record-visits.js';
import { pruneVisits } from './retention.js';
import { openTracksphereDb, type TrackerStateRow, type TracksphereDb } from './schema.js';
import { rollupsOf } from './visit-rollups.js';

// recordFinishedVisits puts the rows it last wrote (its cache) before their reads answer, and
// checks them against the reads: these tests change the rows in between, in every other way.

const opened: TracksphereDb[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.delete();
});

const off = { syncEnabled: false, dayOf: utcDayOf };
const at = (d: number, h: number, m = 0) => Date.UTC(2025, 0, d, h, m);

function visit(start: number, path: string, activeMs = 60_000, domain = 'docs.example') {
  return makeVisit({
    at: start,
    endedAt: new Date(start + 120_000).toISOString(),
    activeMs,
    url: `https://${domain}${path}`,
    domain,
    title: path,
  });
}

/** Every rollup row stored equals what the stored visits add up to. */
async function expectRollupsOfVisits(d: TracksphereDb, opts = { daily: true }): Promise<void> {
  const visits = await d.visits.toArray();
  const daily = new Map<
    string,
    { day: string; domain: string; activeMs: number; visits: number }
  >();
  for (const v of visits) {
    const day = utcDayOf(v.startedMs);
    const key = `${day} ${v.domain}`;
    const row = daily.get(key) ?? { day, domain: v.domain, activeMs: 0, visits: 0 };
    row.activeMs += v.activeMs;
    row.visits += 1;
    daily.set(key, row);
  }
  const byDay = (r: { day: string; domain?: string }) => `${r.day} ${r.domain ?? ''}`;
  const sorted = <T extends { day: string }>(rows: T[]) =>
    rows.sort((a, b) => (byDay(a) < byDay(b) ? -1 : 1));
  // The month rollups and day sums are the daily rollups' sums, whatever those hold.
  const through = sumsThrough(await d.tailWindows.toArray());
  const sums = monthRollupsOf((await d.dailyRollups.toArray()).filter((r) => r.day <= through));
  const byMonth = (r: { month: string; domain: string }) => `${r.month} ${r.domain}`;
  expect(
    (await d.monthRollups.toArray()).sort((a, b) => (byMonth(a) < byMonth(b) ? -1 : 1)),
  ).toEqual(sums.months.sort((a, b) => (byMonth(a) < byMonth(b) ? -1 : 1)));
  expect(sorted(await d.daySums.toArray())).toEqual(sorted(sums.days));
  if (opts.daily) {
    expect(sorted(await d.dailyRollups.toArray())).toEqual(sorted([...daily.values()]));
  }
  const { heat, pages } = rollupsOf(visits, utcDayOf);
  // longestMs only bounds a read (visit-rollups.ts): erasing never lowers it.
  const quarters = (rows: { day: string; visits: number; quarters: object }[]) =>
    sorted(rows.map(({ day, visits: n, quarters: q }) => ({ day, visits: n, quarters: q })));
  expect(quarters(await d.heatRollups.toArray())).toEqual(quarters([...heat.values()]));
  expect(sorted(await d.pageRollups.toArray())).toEqual(sorted([...pages.values()]));
}

function database(name?: string): TracksphereDb {
  const d = name === undefined ? freshTestDb() : openTracksphereDb(name);
  opened.push(d);
  return d;
}

describe('recording with the rows last written held in memory', () => {
  it('counts right after an erase, retention or a full erase changed the rows between visits', async () => {
    const db = database();
    await recordFinishedVisits(db, [visit(at(3, 9), '/a'), visit(at(3, 10), '/b')], off);
    await expectRollupsOfVisits(db);

    // A range inside the day: the day's rows lose one visit of two.
    await eraseHistory(
      db,
      { domain: 'docs.example', fromMs: at(3, 9), toMs: at(3, 9, 30) },
      utcDayOf,
    );
    await recordFinishedVisits(db, [visit(at(3, 11), '/a')], off);
    await expectRollupsOfVisits(db);

    // The whole site: its rows go.
    await eraseHistory(db, { domain: 'docs.example' }, utcDayOf);
    await recordFinishedVisits(db, [visit(at(3, 12), '/c')], off);
    await expectRollupsOfVisits(db);

    // Retention: the heat and page rows lose the pruned visit; the daily rollups keep it.
    await recordFinishedVisits(db, [visit(at(3, 13), '/d')], off);
    const prune = { now: at(4, 12, 30), retentionDays: 1, syncEnabled: false, dayOf: utcDayOf };
    expect(await pruneVisits(db, prune)).toBe(1);
    await recordFinishedVisits(db, [visit(at(3, 14), '/d')], off);
    await expectRollupsOfVisits(db, { daily: false });
    expect(await db.dailyRollups.get(['2025-01-03', 'docs.example'])).toEqual({
      day: '2025-01-03',
      domain: 'docs.example',
      activeMs: 180_000,
      visits: 3,
    });

    await eraseLocalData(db);
    await recordFinishedVisits(db, [visit(at(3, 15), '/e')], off);
    await expectRollupsOfVisits(db);
  });

  it('counts right when another page recorded on the same rows in between', async () => {
    const db = database();
    // The same database opened again: another page or worker, with a memory of its own.
    const other = database(db.name);
    await recordFinishedVisits(db, [visit(at(3, 9), '/a')], off);
    await recordFinishedVisits(other, [visit(at(3, 9, 10), '/a', 5_000)], off);
    await recordFinishedVisits(db, [visit(at(3, 9, 20), '/a', 7_000)], off);
    await recordFinishedVisits(other, [visit(at(3, 9, 30), '/b', 9_000)], off);
    await expectRollupsOfVisits(db);
    expect((await db.dailyRollups.get(['2025-01-03', 'docs.example']))?.visits).toBe(4);
  });

  it('counts a visit offered again once, alone or with new ones', async () => {
    const db = database();
    const first = visit(at(3, 9), '/a');
    await recordFinishedVisits(db, [first], off);
    await recordFinishedVisits(db, [first], off);
    await expectRollupsOfVisits(db);
    await recordFinishedVisits(db, [first, visit(at(3, 9, 5), '/a', 1_000)], off);
    await expectRollupsOfVisits(db);
    // A visit offered again whose rows this memory has never seen (another host's day).
    const elsewhere = visit(at(4, 9), '/x', 3_000, 'mail.example');
    await recordFinishedVisits(database(db.name), [elsewhere], off);
    await recordFinishedVisits(db, [elsewhere, first], off);
    await expectRollupsOfVisits(db);
    expect(await db.visits.count()).toBe(3);
  });

  it("leaves the windows' stores out of a visit after their days, and records into a window moved over it meanwhile", async () => {
    const db = database();
    await db.open();
    // No window yet (a new database's are built as of the real today).
    await db.tailWindows.clear();
    const idb = db.backendDB();
    const transaction = idb.transaction.bind(idb);
    const scopes: string[][] = [];
    vi.spyOn(idb, 'transaction').mockImplementation((names, mode, options) => {
      scopes.push(typeof names === 'string' ? [names] : [...names]);
      return transaction(names, mode, options);
    });
    /** The scopes of the recorder's transactions (several when one was tried again). */
    const recorded = async (...visits: ReturnType<typeof visit>[]): Promise<string[][]> => {
      scopes.length = 0;
      await recordFinishedVisits(db, visits, off);
      return scopes.filter((s) => s.includes('visits') && s.includes('heatRollups'));
    };
    const tail = ['tailRollups', 'tailPages', 'monthRollups', 'daySums'];
    // The first recording on this connection has not read the windows yet: all of them.
    const first = await recorded(visit(at(12, 9), '/a', 1_000));
    expect(first).toEqual([expect.arrayContaining(tail)]);
    // After the windows' last day (none here): four stores fewer.
    const [narrow, ...more] = await recorded(visit(at(12, 10), '/b', 2_000));
    expect(more).toEqual([]);
    for (const store of tail) expect(narrow).not.toContain(store);
    expect(narrow).toContain('tailWindows');
    // A range read moves the 30-day window over the 12th, past the recorder's last read of it.
    await rangeRollups(db, { from: '2024-12-15', to: '2025-01-13' });
    expect(await db.tailWindows.get(30)).toMatchObject({
      span: 30,
      from: '2024-12-15',
      through: '2025-01-12',
    });
    // Guessed after them, read inside them: recorded again with the windows' stores.
    const [guessed, again, ...rest] = await recorded(visit(at(12, 11), '/a', 4_000));
    expect(rest).toEqual([]);
    expect(guessed).not.toContain('tailRollups');
    expect(again).toEqual(expect.arrayContaining(tail));
    expect(await db.tailRollups.get([30, 'docs.example'])).toEqual({
      span: 30,
      domain: 'docs.example',
      activeMs: 7_000,
      visits: 3,
    });
    await expectRollupsOfVisits(db);
    expect(await db.visits.count()).toBe(3);
  });

  it("asks for the commit once it has nothing more to ask: a state alone, a visit after the windows' days; not a visit that may write the windows", async () => {
    const db = database();
    await db.open();
    await db.tailWindows.clear();
    const idb = db.backendDB();
    const transaction = idb.transaction.bind(idb);
    /** Per transaction opened: whether the recorder asked for its commit. */
    const commits: boolean[] = [];
    vi.spyOn(idb, 'transaction').mockImplementation((names, mode, options) => {
      const tx = transaction(names, mode, options);
      const i = commits.push(false) - 1;
      const commit = tx.commit.bind(tx);
      tx.commit = () => {
        commits[i] = true;
        commit();
      };
      return tx;
    });
    const asked = async (
      visits: ReturnType<typeof visit>[],
      trackerState?: TrackerStateRow,
    ): Promise<boolean[]> => {
      commits.length = 0;
      await recordFinishedVisits(db, visits, { ...off, ...(trackerState ? { trackerState } : {}) });
      return [...commits];
    };
    // The first recording on this connection has not read the windows: it may write them.
    expect(await asked([visit(at(12, 9), '/a', 1_000)])).toEqual([false]);
    expect(await asked([visit(at(12, 10), '/b', 2_000)])).toEqual([true]);
    const state = { version: 1 } as unknown as TrackerStateRow['state'];
    expect(await asked([], { key: 'tracker', state, unrecorded: [] })).toEqual([true]);
    expect(
      await asked([visit(at(12, 11), '/b', 4_000)], { key: 'tracker', state, unrecorded: [] }),
    ).toEqual([true]);
    // Committed early, everything landed: the visits, their rows and the state.
    await expectRollupsOfVisits(db);
    expect(await db.visits.count()).toBe(3);
    expect(await db.trackerState.get('tracker')).toEqual({ key: 'tracker', state, unrecorded: [] });
  });
});
