import { afterEach, describe, expect, it, vi } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { recordFinishedVisits } from './record-visits.js';
import { MARKER_KEY } from './record-visits-memory.js';
import type { TracksphereDb } from './schema.js';

// A recorder whose rows are held and whose marker is unchanged reads the marker and the windows,
// not the rows; every other writer of those rows changes the marker, so the figures stay exact.

const opened: TracksphereDb[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const d of opened.splice(0)) await d.delete();
});

const off = { syncEnabled: false, dayOf: utcDayOf };
const at = (h: number, m = 0) => Date.UTC(2025, 0, 12, h, m);

function visit(start: number, path: string, activeMs = 60_000) {
  return makeVisit({
    at: start,
    activeMs,
    url: `https://docs.example${path}`,
    domain: 'docs.example',
  });
}

async function database(): Promise<TracksphereDb> {
  const d = freshTestDb();
  opened.push(d);
  await d.open();
  // No window: every day is after them (a new database's are built as of the real today).
  await d.tailWindows.clear();
  return d;
}

/** The stores read by `get` and `getAll` while `run` runs. */
async function readsOf(run: () => Promise<unknown>): Promise<string[]> {
  const reads: string[] = [];
  const proto = IDBObjectStore.prototype;
  const get = vi.spyOn(proto, 'get');
  const getAll = vi.spyOn(proto, 'getAll');
  get.mockImplementation(function (this: IDBObjectStore, ...args) {
    reads.push(`get ${this.name}`);
    return Reflect.apply(original.get, this, args);
  });
  getAll.mockImplementation(function (this: IDBObjectStore, ...args) {
    reads.push(`getAll ${this.name}`);
    return Reflect.apply(original.getAll, this, args);
  });
  try {
    await run();
  } finally {
    get.mockRestore();
    getAll.mockRestore();
  }
  return reads;
}
const original = { get: IDBObjectStore.prototype.get, getAll: IDBObjectStore.prototype.getAll };

describe('the change marker', () => {
  it('reads the marker and the windows, not the rows, for a visit on rows this recorder holds', async () => {
    const db = await database();
    await recordFinishedVisits(db, [visit(at(9), '/a')], off);
    const reads = await readsOf(() => recordFinishedVisits(db, [visit(at(10), '/a')], off));
    expect(reads).toEqual(['get trackerState', 'getAll tailWindows']);
    expect(await db.dailyRollups.get(['2025-01-12', 'docs.example'])).toMatchObject({
      activeMs: 120_000,
      visits: 2,
    });
  });

  it("reads only the rows it does not hold: a host's first visit of a day it holds", async () => {
    const db = await database();
    await recordFinishedVisits(db, [visit(at(9), '/a')], off);
    const other = makeVisit({ at: at(10), activeMs: 3_000, domain: 'mail.example' });
    const reads = await readsOf(() => recordFinishedVisits(db, [other], off));
    expect(reads).toEqual([
      'get trackerState',
      'getAll tailWindows',
      'get dailyRollups',
      'get pageRollups',
    ]);
    expect(await db.dailyRollups.get(['2025-01-12', 'mail.example'])).toMatchObject({
      activeMs: 3_000,
      visits: 1,
    });
    expect((await db.heatRollups.get('2025-01-12'))?.visits).toBe(2);
  });

  it('counts right after another writer changed a held row through Dexie', async () => {
    const db = await database();
    await recordFinishedVisits(db, [visit(at(9), '/a')], off);
    const marker = await db.trackerState.get(MARKER_KEY);
    // An import's rows, say: the recorder's held row is stale now.
    await db.dailyRollups.put({
      day: '2025-01-12',
      domain: 'docs.example',
      activeMs: 5,
      visits: 9,
    });
    expect(await db.trackerState.get(MARKER_KEY)).not.toEqual(marker);
    await recordFinishedVisits(db, [visit(at(10), '/a', 1_000)], off);
    expect(await db.dailyRollups.get(['2025-01-12', 'docs.example'])).toEqual({
      day: '2025-01-12',
      domain: 'docs.example',
      activeMs: 1_005,
      visits: 10,
    });
    // Read again and claimed: the next visit trusts the memory again.
    const reads = await readsOf(() => recordFinishedVisits(db, [visit(at(11), '/a', 1)], off));
    expect(reads).toEqual(['get trackerState', 'getAll tailWindows']);
    expect((await db.dailyRollups.get(['2025-01-12', 'docs.example']))?.visits).toBe(11);
  });

  it('leaves the marker alone for writers of other stores, the windows too', async () => {
    const db = await database();
    await recordFinishedVisits(db, [visit(at(9), '/a')], off);
    const marker = await db.trackerState.get(MARKER_KEY);
    await db.meta.clear();
    // The windows' moves neither: the recorder reads the windows with every visit.
    await db.tailWindows.put({ span: 30, from: '2024-12-13', through: '2025-01-11' });
    await db.visits.update((await db.visits.toCollection().first())?.id ?? '', {
      syncState: 'sent',
    });
    expect(await db.trackerState.get(MARKER_KEY)).toEqual(marker);
  });

  it('counts right with two recordings on the same rows in flight at once', async () => {
    const db = await database();
    await recordFinishedVisits(db, [visit(at(9), '/a', 1_000)], off);
    await Promise.all([
      recordFinishedVisits(db, [visit(at(10), '/a', 2_000)], off),
      recordFinishedVisits(db, [visit(at(11), '/a', 4_000)], off),
    ]);
    expect(await db.dailyRollups.get(['2025-01-12', 'docs.example'])).toMatchObject({
      activeMs: 7_000,
      visits: 3,
    });
    expect((await db.pageRollups.get(['docs.example', '2025-01-12']))?.pages).toBeDefined();
    expect((await db.heatRollups.get('2025-01-12'))?.visits).toBe(3);
  });
});
