/**
 * A restore of this browser's own export, and imports of other trackers, as "All my browsers"
 * counts them: the server's summary holds what this browser sent, so a restored visit the
 * export says was sent is not counted again from here; visits never sent (imported from
 * another tracker, or local in the export) are not in the summary and count from here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from '../db/db-test-kit.js';
import { eraseLocalData } from '../db/erase.js';
import { exportVisits } from '../db/export-visits.js';
import { markSent } from '../db/outbox-repo.js';
import { recordFinishedVisits } from '../db/record-visits.js';
import type { TracksphereDb } from '../db/schema.js';
import { unacknowledgedRows } from '../stats/all-browsers.js';
import { fixture, settingsAt } from './import-test-kit.js';
import { runImport } from './run-import.js';

let db: TracksphereDb;
beforeEach(() => {
  db = freshTestDb();
});
afterEach(async () => {
  await db.delete();
});

const DAY = '2024-04-17';
const SENT_AT = Date.UTC(2024, 3, 17, 20);
/** The summary was received after the visits were sent. */
const FETCHED_AT = Date.UTC(2024, 3, 18, 8);

describe('restoring an export, as All my browsers counts it', () => {
  it('a restored visit the server had stays sent and is not counted twice; a local one counts', async () => {
    const sent = makeVisit({ domain: 'example.com', at: Date.UTC(2024, 3, 17, 9) });
    const local = makeVisit({
      domain: 'example.org',
      url: 'https://example.org/',
      at: Date.UTC(2024, 3, 17, 10),
    });
    await recordFinishedVisits(db, [sent], { syncEnabled: true, dayOf: utcDayOf });
    await recordFinishedVisits(db, [local], { syncEnabled: false, dayOf: utcDayOf });
    await markSent(db, [sent.id], SENT_AT);
    const before = await unacknowledgedRows(db, DAY, FETCHED_AT, utcDayOf);
    const exported = JSON.stringify(await exportVisits(db));

    await eraseLocalData(db);
    const restored = await runImport(db, exported, { ...settingsAt(), keepVisitsFromMs: 0 });
    expect(restored.imported).toBe(2);
    const byId = await db.visits.bulkGet([sent.id, local.id]);
    expect(byId.map((v) => [v?.syncState, v?.sentAt])).toEqual([
      ['sent', SENT_AT],
      ['local', undefined],
    ]);
    // Only the visit never sent is missing from the summary, before the erase and after.
    const after = await unacknowledgedRows(db, DAY, FETCHED_AT, utcDayOf);
    expect(after).toEqual([{ day: DAY, domain: 'example.org', activeMs: 20_000, visits: 1 }]);
    expect(after).toEqual(before);
    // A summary received before the visit was sent does not hold it: it counts from here.
    expect(await unacknowledgedRows(db, DAY, SENT_AT - 1, utcDayOf)).toHaveLength(2);
  });

  it('visits imported from another tracker were never sent: they count from this browser', async () => {
    await runImport(db, fixture('activityWatch'), { ...settingsAt(), keepVisitsFromMs: 0 });
    const rows = await unacknowledgedRows(db, DAY, FETCHED_AT, utcDayOf);
    expect(rows.map((r) => [r.domain, r.activeMs, r.visits])).toEqual([
      ['github.com', 900_500, 2],
      ['www.youtube.com', 120_000, 1],
    ]);
  });
});
