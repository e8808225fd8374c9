/**
 * The options page under "all" reads only the visits a summary may lack: not acknowledged, or
 * acknowledged in a batch the summary's watermark has not reached (SyncMeta.recentAcks, kept by
 * the sync). What it finds must be exactly what a read of every visit of the range finds.
 */
import { describe, expect, it } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from '../db/db-test-kit.js';
import { recordFinishedVisits, type TracksphereDb, visitsStartedIn } from '../db/index.js';
import { syncOnce } from '../sync/sync-once.js';
import { fakeIngest, json } from '../sync/sync-test-kit.js';
import { missingFromSummary, type SummaryMark } from './all-browsers.js';
import { summaryCandidates } from './summary-candidates.js';

const T0 = Date.UTC(2025, 2, 10, 18);
const at = (day: number, hour = 10): number => Date.UTC(2025, 2, day, hour);
const RANGE = { fromMs: at(1, 0), toMs: at(11, 0) };

/** Six visits sent in three batches of two (numbers T0, T0+1, T0+2), then one pending, one local. */
async function syncedDb(): Promise<{ db: TracksphereDb; seqs: number[] }> {
  const db = freshTestDb();
  const sent = [2, 3, 4, 5, 6, 7].map((day) => makeVisit({ at: at(day) }));
  await recordFinishedVisits(db, sent, { syncEnabled: true, dayOf: utcDayOf });
  const { fetch, seen } = fakeIngest((req) =>
    json(200, {
      accepted: req.events.length,
      rejected: [],
      receivedAt: new Date(T0).toISOString(),
      seq: Number(new URL(req.url).searchParams.get('seq')),
    }),
  );
  const run = await syncOnce({
    db,
    config: { baseUrl: 'https://ingest.example/', token: 't' },
    fetch,
    now: () => T0,
    random: () => 0.5,
    limits: { maxEvents: 2, maxBodyBytes: 1_000_000 },
  });
  expect(run.status).toBe('up_to_date');
  await recordFinishedVisits(db, [makeVisit({ at: at(8) })], {
    syncEnabled: true,
    dayOf: utcDayOf,
  });
  await recordFinishedVisits(db, [makeVisit({ at: at(9) })], {
    syncEnabled: false,
    dayOf: utcDayOf,
  });
  return { db, seqs: seen.map((r) => Number(new URL(r.url).searchParams.get('seq'))) };
}

async function missingOf(db: TracksphereDb, mark: SummaryMark) {
  const all = (await visitsStartedIn(db, RANGE)).filter((v) => missingFromSummary(v, mark));
  const read = await summaryCandidates(db, RANGE, mark);
  const found = read.filter((v) => missingFromSummary(v, mark));
  return {
    read: read.length,
    found: found.map((v) => v.id).sort(),
    all: all.map((v) => v.id).sort(),
  };
}

describe('summaryCandidates', () => {
  it('reads the unacknowledged visits and the batches past the watermark only', async () => {
    const { db, seqs } = await syncedDb();
    expect(seqs).toEqual([T0, T0 + 1, T0 + 2]);
    const mark = { fetchedAt: T0, appliedThrough: T0, lastBatchId: null, appliedSeq: T0 + 1 };
    const r = await missingOf(db, mark);
    // The last batch's two visits, the pending one and the local one: not the eight.
    expect(r.read).toBe(4);
    expect(r.found).toEqual(r.all);
    expect(r.all).toHaveLength(4);
    const none = await missingOf(db, { ...mark, appliedSeq: T0 + 2 });
    expect(none.read).toBe(2);
    expect(none.found).toEqual(none.all);
  });

  it('reads the whole range when no remembered batch is in the summary', async () => {
    const { db } = await syncedDb();
    const mark = { fetchedAt: T0, appliedThrough: null, lastBatchId: null, appliedSeq: null };
    const r = await missingOf(db, mark);
    expect(r.read).toBe(8);
    expect(r.found).toEqual(r.all);
    expect(r.all).toHaveLength(8);
  });

  it('reads only the unacknowledged visits of a browser that never sent any', async () => {
    const db = freshTestDb();
    await recordFinishedVisits(db, [makeVisit({ at: at(3) }), makeVisit({ at: at(4) })], {
      syncEnabled: false,
      dayOf: utcDayOf,
    });
    const r = await missingOf(db, { fetchedAt: T0, appliedThrough: null, lastBatchId: null });
    expect(r.read).toBe(2);
    expect(r.found).toEqual(r.all);
  });
});
