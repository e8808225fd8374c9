import { afterEach, describe, expect, it } from 'vitest';
import { cacheSummary, freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { eraseLocalData, resetSyncState } from './erase.js';
import { markRejected, markSent } from './outbox-repo.js';
import { recordFinishedVisits } from './record-visits.js';
import type { TracksphereDb } from './schema.js';
import { getSyncMeta, INITIAL_SYNC_META, updateSyncMeta } from './sync-meta-repo.js';

let db: TracksphereDb;
afterEach(async () => {
  await db?.delete();
});

describe('erasing', () => {
  it('erases visits, rollups, sync state and the linked browsers’ summaries locally', async () => {
    db = freshTestDb();
    await recordFinishedVisits(db, [makeVisit()], { syncEnabled: true, dayOf: utcDayOf });
    await updateSyncMeta(db, { blocked: true });
    const day = { date: '2025-01-15', domain: 'b.example', activeMs: 1, visits: 1 };
    await cacheSummary(db, {
      fetchedAt: 1,
      summary: {
        from: '2025-01-15',
        to: '2025-01-15',
        tz: 'UTC',
        generatedAt: '2025-01-15T12:00:00.000Z',
        devices: [],
        rows: [{ ...day, deviceId: '0190a6f2-0000-7000-8000-00000000000b' }],
      },
    });
    await eraseLocalData(db);
    expect(await db.visits.count()).toBe(0);
    expect(await db.dailyRollups.count()).toBe(0);
    expect(await db.summaryRanges.count()).toBe(0);
    expect(await db.summaryDays.count()).toBe(0);
    expect(await getSyncMeta(db)).toEqual(INITIAL_SYNC_META);
  });

  it('keeps the batch numbering: the server holds the greatest number it applied', async () => {
    db = freshTestDb();
    await updateSyncMeta(db, { blocked: true, batchSeq: 1_765_000_000_123 });
    await eraseLocalData(db);
    expect(await getSyncMeta(db)).toEqual({ ...INITIAL_SYNC_META, batchSeq: 1_765_000_000_123 });
  });

  it('after a server erase, turns sent and pending visits local and keeps rejections', async () => {
    db = freshTestDb();
    const sent = makeVisit();
    const pending = makeVisit();
    const rejected = makeVisit();
    await recordFinishedVisits(db, [sent, pending, rejected], {
      syncEnabled: true,
      dayOf: utcDayOf,
    });
    await markSent(db, [sent.id], 5);
    await markRejected(db, [{ id: rejected.id, code: 'too_old', reason: 'old' }]);
    await updateSyncMeta(db, { lastSuccessAt: 5, attempt: 2, blocked: true });

    expect(await resetSyncState(db)).toBe(2);
    const byId = new Map((await db.visits.toArray()).map((v) => [v.id, v]));
    expect(byId.get(sent.id)?.syncState).toBe('local');
    expect(byId.get(sent.id)?.sentAt).toBeUndefined();
    expect(byId.get(pending.id)?.syncState).toBe('local');
    expect(byId.get(rejected.id)?.syncState).toBe('rejected');
    expect(await getSyncMeta(db)).toEqual(INITIAL_SYNC_META);
    expect(await db.dailyRollups.count()).toBe(1);
  });
});
