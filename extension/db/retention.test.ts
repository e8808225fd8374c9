import { afterEach, describe, expect, it } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { markSent } from './outbox-repo.js';
import { recordFinishedVisits } from './record-visits.js';
import { pruneVisits } from './retention.js';
import type { TracksphereDb } from './schema.js';

let db: TracksphereDb;
afterEach(async () => {
  await db?.delete();
});

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 6, 1);

describe('pruneVisits', () => {
  async function seed(): Promise<{ oldSent: string; oldPending: string; recent: string }> {
    db = freshTestDb();
    const oldSent = makeVisit({ at: NOW - 40 * DAY });
    const oldPending = makeVisit({ at: NOW - 41 * DAY });
    const recent = makeVisit({ at: NOW - 29 * DAY });
    await recordFinishedVisits(db, [oldSent, oldPending, recent], {
      syncEnabled: true,
      dayOf: utcDayOf,
    });
    await markSent(db, [oldSent.id], NOW);
    return { oldSent: oldSent.id, oldPending: oldPending.id, recent: recent.id };
  }

  it('deletes old visits but never one still pending while sync is on', async () => {
    const ids = await seed();
    expect(await pruneVisits(db, { now: NOW, retentionDays: 30, syncEnabled: true })).toBe(1);
    expect((await db.visits.toArray()).map((v) => v.id).sort()).toEqual(
      [ids.oldPending, ids.recent].sort(),
    );
  });

  it('deletes old pending visits too once sync is off', async () => {
    const ids = await seed();
    expect(await pruneVisits(db, { now: NOW, retentionDays: 30, syncEnabled: false })).toBe(2);
    expect((await db.visits.toArray()).map((v) => v.id)).toEqual([ids.recent]);
  });

  it('keeps the daily rollups', async () => {
    await seed();
    const before = await db.dailyRollups.toArray();
    await pruneVisits(db, { now: NOW, retentionDays: 1, syncEnabled: false });
    expect(await db.visits.count()).toBe(0);
    expect(await db.dailyRollups.toArray()).toEqual(before);
  });
});
