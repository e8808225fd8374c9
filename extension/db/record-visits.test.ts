import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDayOf } from './day.js';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { recordFinishedVisits } from './record-visits.js';
import type { TracksphereDb } from './schema.js';

let db: TracksphereDb;
afterEach(async () => {
  await db?.delete();
});

const on = { syncEnabled: true, dayOf: utcDayOf };

describe('recordFinishedVisits', () => {
  it('puts visits in the outbox while sync is on', async () => {
    db = freshTestDb();
    const v = makeVisit();
    await recordFinishedVisits(db, [v], on);
    const stored = await db.visits.get(v.id);
    expect(stored).toMatchObject({
      ...v,
      syncState: 'pending',
      startedMs: Date.parse(v.startedAt),
    });
  });

  it('keeps visits local while sync is off', async () => {
    db = freshTestDb();
    const v = makeVisit();
    await recordFinishedVisits(db, [v], { syncEnabled: false, dayOf: utcDayOf });
    expect((await db.visits.get(v.id))?.syncState).toBe('local');
  });

  it('adds each visit to the rollup of its local start day and domain', async () => {
    db = freshTestDb();
    const lateEvening = Date.UTC(2025, 5, 1, 22, 30); // 00:30 on June 2nd at UTC+2
    await recordFinishedVisits(
      db,
      [
        makeVisit({ at: lateEvening, activeMs: 1_000 }),
        makeVisit({ at: lateEvening + 1, activeMs: 2_000 }),
        makeVisit({ at: lateEvening + 2, activeMs: 4_000, domain: 'other.org' }),
      ],
      { syncEnabled: true, dayOf: makeDayOf(() => -120) },
    );
    expect(await db.dailyRollups.orderBy('[day+domain]').toArray()).toEqual([
      { day: '2025-06-02', domain: 'example.com', activeMs: 3_000, visits: 2 },
      { day: '2025-06-02', domain: 'other.org', activeMs: 4_000, visits: 1 },
    ]);
  });

  it('does not count a visit twice when it is recorded again (retry after a worker kill)', async () => {
    db = freshTestDb();
    const a = makeVisit({ activeMs: 1_000 });
    const b = makeVisit({ activeMs: 2_000 });
    await recordFinishedVisits(db, [a, a], on);
    await recordFinishedVisits(db, [a, b], on);
    expect(await db.visits.count()).toBe(2);
    expect(await db.dailyRollups.toArray()).toEqual([
      { day: '2025-01-15', domain: 'example.com', activeMs: 3_000, visits: 2 },
    ]);
  });

  it('leaves an already stored visit as it is (a sent visit is not queued again)', async () => {
    db = freshTestDb();
    const v = makeVisit();
    await recordFinishedVisits(db, [v], on);
    await db.visits.update(v.id, { syncState: 'sent', sentAt: 5 });
    await recordFinishedVisits(db, [{ ...v, activeMs: 1 }], on);
    expect(await db.visits.get(v.id)).toMatchObject({ syncState: 'sent', activeMs: v.activeMs });
  });

  it('writes visits and rollups together or not at all', async () => {
    db = freshTestDb();
    // dayOf runs after the visits' adds are requested: the throw must roll them back.
    const failing = (): string => {
      throw new Error('zone lookup failed');
    };
    await expect(
      recordFinishedVisits(db, [makeVisit()], { syncEnabled: true, dayOf: failing }),
    ).rejects.toThrow('zone lookup failed');
    expect(await db.visits.count()).toBe(0);
    expect(await db.dailyRollups.count()).toBe(0);
  });

  it('keeps rollups equal to the sum of distinct visits, whatever the retries', async () => {
    const visit = fc.record({
      domain: fc.constantFrom('a.example', 'b.example', 'c.example'),
      day: fc.integer({ min: 0, max: 3 }),
      activeMs: fc.integer({ min: 0, max: 30_000 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(visit, { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (specs, replays) => {
          db = freshTestDb();
          const visits = specs.map((s) =>
            makeVisit({ domain: s.domain, activeMs: s.activeMs, at: Date.UTC(2025, 0, 1 + s.day) }),
          );
          await recordFinishedVisits(db, visits, on);
          const again = replays
            .map((i) => visits[i % visits.length])
            .filter((v) => v !== undefined);
          await recordFinishedVisits(db, again, on);

          const expected = new Map<string, { activeMs: number; visits: number }>();
          for (const v of visits) {
            const key = `${v.startedAt.slice(0, 10)} ${v.domain}`;
            const e = expected.get(key) ?? { activeMs: 0, visits: 0 };
            e.activeMs += v.activeMs;
            e.visits += 1;
            expected.set(key, e);
          }
          const rollups = await db.dailyRollups.toArray();
          expect(rollups).toHaveLength(expected.size);
          for (const r of rollups) {
            expect(expected.get(`${r.day} ${r.domain}`)).toEqual({
              activeMs: r.activeMs,
              visits: r.visits,
            });
          }
          await db.delete();
        },
      ),
      { numRuns: 30 },
    );
  });
});
