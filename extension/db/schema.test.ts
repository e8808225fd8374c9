import { Dexie } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { addDays, localDayOf } from './day.js';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { resetSyncState } from './erase.js';
import { localCount, oldestPending, pendingCount } from './outbox-repo.js';
import { recordFinishedVisits } from './record-visits.js';
import { pruneVisits } from './retention.js';
import { openTracksphereDb, type StoredVisit, type TracksphereDb } from './schema.js';
import { activeMsOnDay, rollupsInRange } from './stats-queries.js';

let db: TracksphereDb | undefined;
afterEach(async () => {
  await db?.delete();
  db = undefined;
});

/** What version 1 of the extension created, and wrote through Dexie as it then did. */
async function createVersion1(name: string, visits: StoredVisit[]): Promise<void> {
  const v1 = new Dexie(name);
  v1.version(1).stores({
    visits: 'id, startedMs, domain, syncState, [syncState+startedMs]',
    dailyRollups: '[day+domain], day',
    meta: 'key',
  });
  await v1.table('visits').bulkAdd(visits);
  await v1.table('dailyRollups').bulkAdd([
    { day: '2025-01-15', domain: 'example.com', activeMs: 60_000, visits: 3 },
    { day: '2025-01-16', domain: 'other.org', activeMs: 5_000, visits: 1 },
  ]);
  await v1.table('meta').put({ key: 'sync', attempt: 2 });
  v1.close();
}

function indexNames(open: TracksphereDb, store: string): string[] {
  return [...open.backendDB().transaction(store).objectStore(store).indexNames].sort();
}

describe('database schema', () => {
  it('keeps every visit, rollup and sync row when a version 1 database is upgraded', async () => {
    const name = `test-${crypto.randomUUID()}`;
    const at = Date.UTC(2025, 0, 15, 12);
    const stored = (state: StoredVisit['syncState'], offset: number): StoredVisit => {
      const v = makeVisit({ at: at + offset });
      return { ...v, startedMs: at + offset, syncState: state };
    };
    const visits = [stored('pending', 2), stored('local', 1), stored('pending', 0)];
    visits.push({ ...stored('sent', 3), sentAt: 9 });
    await createVersion1(name, visits);

    db = openTracksphereDb(name);
    await db.open();
    expect(db.verno).toBe(14);
    // Version 14's heatmap cells start empty: the first view builds them (heat-windows.ts).
    expect(await db.heatWindows.count()).toBe(0);
    // Version 10's summary cache starts empty (storage.local's copy is not carried over).
    expect(await db.summaryRanges.count()).toBe(0);
    expect(await db.summaryDays.count()).toBe(0);
    expect(indexNames(db, 'visits')).toEqual([
      '[domain+startedMs]',
      '[syncState+startedMs]',
      'startedMs',
    ]);
    expect(indexNames(db, 'dailyRollups')).toEqual([]);

    expect(await db.visits.orderBy('startedMs').toArray()).toEqual(
      [...visits].sort((a, b) => a.startedMs - b.startedMs),
    );
    expect(await db.meta.get('sync')).toEqual({ key: 'sync', attempt: 2 });
    expect(await activeMsOnDay(db, '2025-01-15')).toBe(60_000);
    // The queries on dropped indexes, served by the compound indexes.
    expect(await pendingCount(db)).toBe(2);
    expect(await localCount(db)).toBe(1);
    expect((await oldestPending(db, 10)).map((v) => v.startedMs)).toEqual([at, at + 2]);
    expect(await db.dailyRollups.where('day').equals('2025-01-16').toArray()).toEqual([
      { day: '2025-01-16', domain: 'other.org', activeMs: 5_000, visits: 1 },
    ]);

    // And recording goes on on top of the old rows.
    await recordFinishedVisits(db, [makeVisit({ at: at + 10, activeMs: 1_000 })], {
      syncEnabled: true,
      dayOf: utcDayOf,
    });
    expect(await rollupsInRange(db, { from: '2025-01-15', to: '2025-01-15' })).toEqual([
      { day: '2025-01-15', domain: 'example.com', activeMs: 61_000, visits: 4 },
    ]);
    // Version 6's month sums: built from the old rows on upgrade, then kept by recording.
    expect(await db.monthRollups.toArray()).toEqual([
      { month: '2025-01', domain: 'example.com', activeMs: 61_000, visits: 4 },
      { month: '2025-01', domain: 'other.org', activeMs: 5_000, visits: 1 },
    ]);
    expect(await pendingCount(db)).toBe(3);
    // Version 9: the sums hold the days up to yesterday (these are older).
    expect(await db.tailWindows.get(0)).toEqual({
      span: 0,
      from: '',
      through: addDays(localDayOf(Date.now()), -1),
    });
  });

  it('answers the sync-state and start-time queries without the dropped indexes', async () => {
    db = freshTestDb();
    const on = { syncEnabled: true, dayOf: utcDayOf };
    const old = makeVisit({ at: Date.UTC(2024, 0, 1) });
    const recent = makeVisit({ at: Date.UTC(2025, 0, 20) });
    await recordFinishedVisits(db, [old, recent], on);
    await recordFinishedVisits(db, [makeVisit({ at: Date.UTC(2025, 0, 21) })], {
      ...on,
      syncEnabled: false,
    });
    expect([await pendingCount(db), await localCount(db)]).toEqual([2, 1]);
    expect(await resetSyncState(db)).toBe(2);
    expect([await pendingCount(db), await localCount(db)]).toEqual([0, 3]);
    expect(
      await pruneVisits(db, { now: Date.UTC(2025, 0, 22), retentionDays: 30, syncEnabled: false }),
    ).toBe(1);
    expect(await db.visits.get(old.id)).toBeUndefined();
  });
});
