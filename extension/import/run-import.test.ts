import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from '../db/db-test-kit.js';
import { recordFinishedVisits } from '../db/record-visits.js';
import type { TracksphereDb } from '../db/schema.js';
import type { RecordingSettings } from '../privacy/index.js';
import { fixture, settingsAt } from './import-test-kit.js';
import { type RunImportOptions, runImport } from './run-import.js';
import { ImportFileError } from './types.js';

let db: TracksphereDb;
beforeEach(() => {
  db = freshTestDb();
});
afterEach(async () => {
  await db.delete();
});

function opts(recording: Partial<RecordingSettings> = {}, keepVisitsFromMs = 0): RunImportOptions {
  return { ...settingsAt(recording), keepVisitsFromMs };
}

async function rollups(): Promise<[string, string, number, number][]> {
  const rows = await db.dailyRollups.toArray();
  return rows.map((r) => [r.day, r.domain, r.activeMs, r.visits]);
}

describe('importing day figures (Web Activity Time Tracker, time-tracker-4-browser)', () => {
  it('adds each site and day to the rollups, lists what it left out, and adds nothing the second time', async () => {
    const first = await runImport(db, fixture('watt'), opts());
    expect(first.source).toBe('web-activity-time-tracker');
    expect(first.imported).toBe(3);
    expect(first.skipped).toEqual([
      { record: 'item 4 (news.ycombinator.com), day 1', reason: 'no_time' },
      { record: 'item 5 (example.org), day 1', reason: 'bad_date' },
      { record: 'item 3 (file:///home/me/notes.html), day 1', reason: 'not_web' },
    ]);
    const after = [
      ['2024-04-16', 'github.com', 3_600_000, 7],
      ['2024-04-17', 'github.com', 1_800_000, 5],
      ['2024-04-17', 'www.youtube.com', 900_000, 3],
    ];
    expect(await rollups()).toEqual(after);
    expect(await db.visits.count()).toBe(0);

    const second = await runImport(db, fixture('watt'), opts());
    expect(second.imported).toBe(0);
    expect(second.skipped.filter((s) => s.reason === 'already_imported')).toHaveLength(3);
    expect(await rollups()).toEqual(after);
  });

  it('a later backup adds only what grew, and visits recorded meanwhile keep counting', async () => {
    await runImport(db, fixture('watt'), opts());
    await recordFinishedVisits(
      db,
      [
        makeVisit({
          domain: 'github.com',
          url: 'https://github.com/',
          at: Date.UTC(2024, 3, 17, 12),
        }),
      ],
      { syncEnabled: false, dayOf: utcDayOf },
    );
    const later = fixture('watt').replace(
      '{"counter":5,"date":"4/17/2024","summary":1800}',
      '{"counter":6,"date":"4/17/2024","summary":2400}',
    );
    const result = await runImport(db, later, opts());
    expect(result.imported).toBe(1);
    expect(await db.dailyRollups.get(['2024-04-17', 'github.com'])).toMatchObject({
      activeMs: 1_800_000 + 20_000 + 600_000,
      visits: 5 + 1 + 1,
    });
  });

  it('time-tracker-4-browser CSV: a category in the host column is not a site', async () => {
    const result = await runImport(db, fixture('tt4bCsv'), opts());
    expect(result.imported).toBe(3);
    expect(result.skipped).toEqual([
      { record: 'row 5', reason: 'bad_date' },
      { record: 'row 4', reason: 'bad_host' },
    ]);
    expect(await rollups()).toEqual([
      ['2024-04-16', 'github.com', 3_600_000, 7],
      ['2024-04-17', 'docs.google.com', 1_200_000, 2],
      ['2024-04-17', 'www.youtube.com', 900_000, 3],
    ]);
  });

  it('time-tracker-4-browser JSON: the port leaves the host; paused sites stay out', async () => {
    const result = await runImport(db, fixture('tt4bJson'), opts({ pausedSites: ['youtube.com'] }));
    expect(result.imported).toBe(2);
    expect(result.skipped.map((s) => s.reason)).toEqual(['bad_host', 'no_date', 'site_paused']);
    expect(await rollups()).toEqual([
      ['2024-04-16', 'github.com', 3_600_000, 7],
      ['2024-04-17', 'localhost', 300_000, 4],
    ]);
  });
});

describe('importing visits (ActivityWatch, Tracksphere)', () => {
  it('ActivityWatch: visits redacted, local, in sessions; rollups from them; the second import adds nothing', async () => {
    const first = await runImport(db, fixture('activityWatch'), opts());
    expect(first.imported).toBe(3);
    expect(first.skipped).toEqual([
      { record: 'aw-watcher-web-chrome_laptop, event 6', reason: 'bad_date' },
      { record: 'aw-watcher-web-chrome_laptop, event 3', reason: 'not_web' },
      { record: 'aw-watcher-web-chrome_laptop, event 4', reason: 'private_window' },
    ]);
    const visits = await db.visits.orderBy('startedMs').toArray();
    expect(
      visits.map((v) => [v.url, v.title, v.startedAt, v.endedAt, v.activeMs, v.syncState]),
    ).toEqual([
      [
        'https://github.com/sheepzh/time-tracker-4-browser?tab=readme-ov-file',
        'GitHub - sheepzh/time-tracker-4-browser',
        '2024-04-17T09:00:00.000Z',
        '2024-04-17T09:10:00.500Z',
        600_500,
        'local',
      ],
      [
        'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
        'Music video - YouTube',
        '2024-04-17T09:10:00.500Z',
        '2024-04-17T09:12:00.500Z',
        120_000,
        'local',
      ],
      [
        'https://github.com/ActivityWatch',
        'ActivityWatch',
        '2024-04-17T11:00:00.000Z',
        '2024-04-17T11:05:00.000Z',
        300_000,
        'local',
      ],
    ]);
    expect(visits[0]?.sessionId).toBe(visits[1]?.sessionId);
    expect(visits[2]?.sessionId).not.toBe(visits[0]?.sessionId);
    expect(await rollups()).toEqual([
      ['2024-04-17', 'github.com', 900_500, 2],
      ['2024-04-17', 'www.youtube.com', 120_000, 1],
    ]);

    const ids = visits.map((v) => v.id);
    const second = await runImport(db, fixture('activityWatch'), opts());
    expect(second.imported).toBe(0);
    expect(second.skipped.filter((s) => s.reason === 'already_imported')).toHaveLength(3);
    expect((await db.visits.orderBy('startedMs').toArray()).map((v) => v.id)).toEqual(ids);
    expect(await rollups()).toEqual([
      ['2024-04-17', 'github.com', 900_500, 2],
      ['2024-04-17', 'www.youtube.com', 120_000, 1],
    ]);
  });

  it('reports progress over the visits stored and the rollups written, ending at the total', async () => {
    const seen: [number, number][] = [];
    await runImport(db, fixture('activityWatch'), {
      ...opts(),
      onProgress: (done, total) => seen.push([done, total]),
    });
    // 3 visits stored, then 2 rollup rows (github.com and www.youtube.com on 2024-04-17).
    expect(seen).toEqual([
      [0, 0],
      [3, 5],
      [5, 5],
      [5, 5],
    ]);
  });

  it('at the domain level, no address and no title are kept', async () => {
    await runImport(db, fixture('activityWatch'), opts({ level: 'domain' }));
    const visits = await db.visits.toArray();
    expect(visits.map((v) => [v.domain, v.url, v.title]).sort()).toEqual([
      ['github.com', null, null],
      ['github.com', null, null],
      ['www.youtube.com', null, null],
    ]);
  });

  it('adds to what was recorded here on the same day', async () => {
    await recordFinishedVisits(
      db,
      [
        makeVisit({
          domain: 'github.com',
          url: 'https://github.com/',
          at: Date.UTC(2024, 3, 17, 14),
        }),
      ],
      { syncEnabled: true, dayOf: utcDayOf },
    );
    await runImport(db, fixture('activityWatch'), opts());
    expect(await db.dailyRollups.get(['2024-04-17', 'github.com'])).toMatchObject({
      activeMs: 20_000 + 900_500,
      visits: 3,
    });
    expect(await db.visits.where('syncState').equals('pending').count()).toBe(1);
    expect(await db.visits.where('syncState').equals('local').count()).toBe(3);
  });

  it('visits older than the retention count in the rollups only, and count once however often imported', async () => {
    const cutoff = Date.UTC(2025, 0, 1);
    const first = await runImport(db, fixture('activityWatch'), opts({}, cutoff));
    expect(first.imported).toBe(3);
    expect(await db.visits.count()).toBe(0);
    expect(await rollups()).toEqual([
      ['2024-04-17', 'github.com', 900_500, 2],
      ['2024-04-17', 'www.youtube.com', 120_000, 1],
    ]);
    const second = await runImport(db, fixture('activityWatch'), opts({}, cutoff));
    expect(second.imported).toBe(0);
    expect(await rollups()).toEqual([
      ['2024-04-17', 'github.com', 900_500, 2],
      ['2024-04-17', 'www.youtube.com', 120_000, 1],
    ]);
  });

  it('a file imported again after its visits were pruned does not count them twice', async () => {
    await runImport(db, fixture('activityWatch'), opts());
    await db.visits.clear();
    await runImport(db, fixture('activityWatch'), opts());
    expect(await rollups()).toEqual([
      ['2024-04-17', 'github.com', 900_500, 2],
      ['2024-04-17', 'www.youtube.com', 120_000, 1],
    ]);
  });

  it('a day older than the retention that this browser recorded too gains the file visits, once', async () => {
    const recorded = Array.from({ length: 10 }, (_, i) =>
      makeVisit({
        domain: 'github.com',
        url: 'https://github.com/',
        at: Date.UTC(2024, 3, 17, 14, i),
      }),
    );
    await recordFinishedVisits(db, recorded, { syncEnabled: false, dayOf: utcDayOf });
    // Local retention deleted the visits; the day's totals stay.
    await db.visits.clear();
    const cutoff = Date.UTC(2025, 0, 1);
    const first = await runImport(db, fixture('activityWatch'), opts({}, cutoff));
    expect(first.imported).toBe(3);
    expect(first.skipped.filter((s) => s.reason === 'already_imported')).toEqual([]);
    const after = [
      ['2024-04-17', 'github.com', 10 * 20_000 + 900_500, 10 + 2],
      ['2024-04-17', 'www.youtube.com', 120_000, 1],
    ];
    expect(await rollups()).toEqual(after);
    const second = await runImport(db, fixture('activityWatch'), opts({}, cutoff));
    expect(second.imported).toBe(0);
    expect(await rollups()).toEqual(after);
    // A later export with one more event that day adds that event only.
    const later = JSON.parse(fixture('activityWatch'));
    later.buckets['aw-watcher-web-chrome_laptop'].events.push({
      id: 107,
      timestamp: '2024-04-17T12:00:00Z',
      duration: 60,
      data: { url: 'https://github.com/new', title: 'New', incognito: false },
    });
    const third = await runImport(db, JSON.stringify(later), opts({}, cutoff));
    // Kept as figures only, the day's visits are told apart by their sum: all of the grown
    // row's count as imported.
    expect(third.imported).toBe(3);
    expect(await db.dailyRollups.get(['2024-04-17', 'github.com'])).toMatchObject({
      activeMs: 10 * 20_000 + 900_500 + 60_000,
      visits: 10 + 3,
    });
  });

  it('Tracksphere restore: ids kept, redacted again, every visit local; those already here are left', async () => {
    await recordFinishedVisits(
      db,
      [makeVisit({ id: '0190a6f2-1111-7000-8000-000000000001', at: Date.UTC(2024, 3, 17, 8) })],
      { syncEnabled: true, dayOf: utcDayOf },
    );
    const result = await runImport(db, fixture('tracksphere'), opts());
    expect(result.imported).toBe(2);
    expect(result.skipped).toEqual([
      { record: 'visit 4', reason: 'invalid_visit' },
      { record: 'visit 1', reason: 'already_imported' },
    ]);
    const restored = await db.visits.bulkGet([
      '0190a6f2-1111-7000-8000-000000000002',
      '0190a6f2-1111-7000-8000-000000000003',
    ]);
    expect(restored.map((v) => [v?.url, v?.syncState, v?.startedAt, v?.sessionId])).toEqual([
      [
        'https://example.com/search?q=cats',
        'local',
        '2024-04-17T08:05:00.000Z',
        '0190a6f2-2222-7000-8000-000000000001',
      ],
      [null, 'local', '2024-04-16T20:00:00.000+02:00', '0190a6f2-2222-7000-8000-000000000002'],
    ]);
    expect(await rollups()).toEqual([
      ['2024-04-16', 'news.example.net', 600_000, 1],
      ['2024-04-17', 'example.com', 20_000 + 50_000, 2],
    ]);
  });
});

describe('a file that cannot be imported', () => {
  it('changes nothing and says why', async () => {
    await runImport(db, fixture('watt'), opts());
    const before = await rollups();
    await expect(runImport(db, fixture('activityWatch').slice(0, 500), opts())).rejects.toThrow(
      ImportFileError,
    );
    await expect(runImport(db, 'not a tracker file', opts())).rejects.toMatchObject({
      code: 'not_json_or_csv',
    });
    expect(await rollups()).toEqual(before);
    expect(await db.visits.count()).toBe(0);
  });
});
