import { afterEach, describe, expect, it } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { recordFinishedVisits, type TracksphereDb, updateSyncMeta } from './index.js';
import { getSyncStatus, SYNC_SOON_THRESHOLD, shouldSyncSoon } from './sync-status.js';

let db: TracksphereDb;
afterEach(async () => {
  await db?.delete();
});

describe('sync status', () => {
  it('starts empty', async () => {
    db = freshTestDb();
    expect(await getSyncStatus(db)).toEqual({
      lastSuccessAt: null,
      lastAttemptAt: null,
      pendingCount: 0,
      lastError: null,
      blocked: false,
      nextAttemptAt: null,
    });
  });

  it('counts only pending visits and reports the persisted sync state', async () => {
    db = freshTestDb();
    await recordFinishedVisits(db, [makeVisit(), makeVisit()], {
      syncEnabled: true,
      dayOf: utcDayOf,
    });
    await recordFinishedVisits(db, [makeVisit()], { syncEnabled: false, dayOf: utcDayOf });
    const lastError = { code: 'unavailable', message: 'down', at: 5 };
    await updateSyncMeta(db, { lastError, nextAttemptAt: 10, lastAttemptAt: 5 });
    expect(await getSyncStatus(db)).toEqual({
      lastSuccessAt: null,
      lastAttemptAt: 5,
      pendingCount: 2,
      lastError,
      blocked: false,
      nextAttemptAt: 10,
    });
  });

  it('asks for an early sync once the backlog reaches the threshold', () => {
    expect(shouldSyncSoon(SYNC_SOON_THRESHOLD - 1)).toBe(false);
    expect(shouldSyncSoon(SYNC_SOON_THRESHOLD)).toBe(true);
    expect(shouldSyncSoon(5, 5)).toBe(true);
  });
});
