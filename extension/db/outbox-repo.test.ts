import { afterEach, describe, expect, it } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import {
  markRejected,
  markSent,
  oldestPending,
  pendingCount,
  queueLocalVisits,
  rejectedVisits,
  settleBatch,
} from './outbox-repo.js';
import { recordFinishedVisits } from './record-visits.js';
import type { SyncMeta, TracksphereDb } from './schema.js';
import { getSyncMeta } from './sync-meta-repo.js';

let db: TracksphereDb;
afterEach(async () => {
  await db?.delete();
});

const T0 = Date.UTC(2025, 0, 1);

describe('outbox', () => {
  it('settles a batch and remembers it in one transaction: both or neither', async () => {
    db = freshTestDb();
    const a = makeVisit({ at: T0 + 1 });
    await recordFinishedVisits(db, [a], { syncEnabled: true, dayOf: utcDayOf });
    const ack = { at: T0 + 5, fromMs: T0 + 1, toMs: T0 + 1, seq: 9 };
    await settleBatch(db, {
      sentIds: [a.id],
      rejections: [],
      at: T0 + 5,
      meta: { recentAcks: [ack] },
    });
    expect((await db.visits.get(a.id))?.syncState).toBe('sent');
    expect((await getSyncMeta(db)).recentAcks).toEqual([ack]);

    const b = makeVisit({ at: T0 + 2 });
    await recordFinishedVisits(db, [b], { syncEnabled: true, dayOf: utcDayOf });
    // A sync state IndexedDB cannot store: the whole settlement is undone.
    const unstorable = { recentAcks: [{ ...ack, seq: () => 9 }] } as unknown as Partial<SyncMeta>;
    await expect(
      settleBatch(db, { sentIds: [b.id], rejections: [], at: T0 + 6, meta: unstorable }),
    ).rejects.toThrow();
    expect((await db.visits.get(b.id))?.syncState).toBe('pending');
    expect((await getSyncMeta(db)).recentAcks).toEqual([ack]);
  });

  it('hands out the oldest pending visits first, skipping the others', async () => {
    db = freshTestDb();
    const early = makeVisit({ at: T0 + 1 * 3_600_000 });
    const middle = makeVisit({ at: T0 + 2 * 3_600_000 });
    const late = makeVisit({ at: T0 + 3 * 3_600_000 });
    const local = makeVisit({ at: T0 });
    await recordFinishedVisits(db, [late, early, middle], {
      syncEnabled: true,
      dayOf: utcDayOf,
    });
    await recordFinishedVisits(db, [local], { syncEnabled: false, dayOf: utcDayOf });
    expect((await oldestPending(db, 2)).map((v) => v.id)).toEqual([early.id, middle.id]);
    expect(await pendingCount(db)).toBe(3);
  });

  it('marks sent and rejected visits, which then leave the outbox', async () => {
    db = freshTestDb();
    const a = makeVisit({ at: T0 + 1 });
    const b = makeVisit({ at: T0 + 2 });
    const c = makeVisit({ at: T0 + 3 });
    await recordFinishedVisits(db, [a, b, c], { syncEnabled: true, dayOf: utcDayOf });
    expect(await markSent(db, [a.id], 1_000)).toBe(1);
    expect(await markRejected(db, [{ id: b.id, code: 'invalid_event', reason: 'bad' }])).toBe(1);
    expect(await db.visits.get(a.id)).toMatchObject({ syncState: 'sent', sentAt: 1_000 });
    expect(await db.visits.get(b.id)).toMatchObject({
      syncState: 'rejected',
      rejectCode: 'invalid_event',
      rejectReason: 'bad',
    });
    expect((await oldestPending(db, 10)).map((v) => v.id)).toEqual([c.id]);
    expect((await rejectedVisits(db, 10)).map((v) => v.id)).toEqual([b.id]);
  });

  it('counts a visit once when its id is given twice', async () => {
    db = freshTestDb();
    const v = makeVisit();
    await recordFinishedVisits(db, [v], { syncEnabled: true, dayOf: utcDayOf });
    expect(await markSent(db, [v.id, v.id], 1)).toBe(1);
  });

  it('changes only visits that are still pending', async () => {
    db = freshTestDb();
    const v = makeVisit();
    await recordFinishedVisits(db, [v], { syncEnabled: false, dayOf: utcDayOf });
    expect(await markSent(db, [v.id], 1)).toBe(0);
    expect((await db.visits.get(v.id))?.syncState).toBe('local');
  });

  it('lists the most recent rejected visits first', async () => {
    db = freshTestDb();
    const first = makeVisit({ at: T0 + 1 });
    const second = makeVisit({ at: T0 + 2 });
    const third = makeVisit({ at: T0 + 3 });
    const visits = [first, second, third];
    await recordFinishedVisits(db, visits, { syncEnabled: true, dayOf: utcDayOf });
    await markRejected(
      db,
      visits.map((v) => ({ id: v.id, code: 'too_old', reason: 'old' })),
    );
    expect((await rejectedVisits(db, 2)).map((v) => v.id)).toEqual([third.id, second.id]);
  });

  it('queues local visits only when asked', async () => {
    db = freshTestDb();
    await recordFinishedVisits(db, [makeVisit(), makeVisit()], {
      syncEnabled: false,
      dayOf: utcDayOf,
    });
    expect(await pendingCount(db)).toBe(0);
    expect(await queueLocalVisits(db)).toBe(2);
    expect(await pendingCount(db)).toBe(2);
  });
});
