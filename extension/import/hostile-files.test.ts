/**
 * Files edited, damaged or written to harm, each in its format's exact shape
 * (fixtures/hostile/): what is out of bounds (import/bounds.ts) is left out record by record
 * with its reason, the rest is imported, and nothing stored holds more than a day can.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshTestDb } from '../db/db-test-kit.js';
import type { TracksphereDb } from '../db/schema.js';
import { IMPORT_BOUNDS } from './bounds.js';
import { settingsAt } from './import-test-kit.js';
import { type RunImportOptions, runImport } from './run-import.js';

/** The files are checked as if imported on this day: 2999 is in the future, 2024 is not. */
const NOW = Date.UTC(2026, 11, 5, 12);

function hostile(name: string): string {
  return readFileSync(
    fileURLToPath(new URL(`./fixtures/hostile/${name}`, import.meta.url)),
    'utf8',
  );
}

let db: TracksphereDb;
beforeEach(() => {
  db = freshTestDb();
});
afterEach(async () => {
  await db.delete();
});

function opts(): RunImportOptions {
  return { ...settingsAt(), nowMs: NOW, keepVisitsFromMs: 0 };
}

async function rollups(): Promise<[string, string, number, number][]> {
  const rows = await db.dailyRollups.toArray();
  return rows.map((r) => [r.day, r.domain, r.activeMs, r.visits]);
}

/** What is stored never exceeds a day: rollups, and each visit's span. */
async function expectWithinADay(): Promise<void> {
  for (const row of await db.dailyRollups.toArray()) {
    expect(row.activeMs).toBeLessThanOrEqual(IMPORT_BOUNDS.maxDayMs);
    expect(row.visits).toBeLessThanOrEqual(IMPORT_BOUNDS.maxDayVisits);
  }
  for (const v of await db.visits.toArray()) {
    expect(Date.parse(v.endedAt) - v.startedMs).toBeLessThanOrEqual(IMPORT_BOUNDS.maxDayMs);
  }
}

describe('hostile import files', () => {
  it('ActivityWatch: strict RFC 3339 starts from 2000 to tomorrow, events up to a day long', async () => {
    const result = await runImport(db, hostile('activitywatch-export.json'), opts());
    const at = (n: number) => `aw-watcher-web-firefox_laptop, event ${n}`;
    expect(result.imported).toBe(2);
    expect(result.skipped).toEqual([
      { record: at(3), reason: 'bad_date' }, // +275760-09-13: Date's last day
      { record: at(4), reason: 'bad_date' }, // "1", which Date.parse reads as 2001
      { record: at(5), reason: 'bad_date' }, // a day without a time
      { record: at(6), reason: 'bad_date' }, // February 30th
      { record: at(10), reason: 'bad_date' }, // ten digits after the second's point
      { record: at(2), reason: 'bad_time' }, // 1e300 seconds
      { record: at(7), reason: 'bad_date' }, // 1999
      { record: at(8), reason: 'bad_date' }, // 2999
      { record: at(9), reason: 'bad_time' }, // 25 hours
    ]);
    const visits = await db.visits.orderBy('startedMs').toArray();
    expect(visits.map((v) => [v.startedAt, v.endedAt, v.activeMs])).toEqual([
      ['2024-04-17T09:00:00.123Z', '2024-04-17T09:01:00.123Z', 60_000],
      ['2024-04-17T09:30:00.000Z', '2024-04-17T09:30:30.000Z', 30_000],
    ]);
    await expectWithinADay();
  });

  it('Web Activity Time Tracker: no day beyond 24 hours or 86,400 visits, none before 2000 or after tomorrow', async () => {
    const result = await runImport(db, hostile('web-activity-time-tracker-backup.json'), opts());
    expect(result.imported).toBe(2);
    expect(result.skipped).toEqual([
      { record: 'item 1 (github.com), day 1', reason: 'bad_date' }, // 1/1/9999
      { record: 'item 1 (github.com), day 2', reason: 'bad_time' }, // 1e300 seconds
      { record: 'item 1 (github.com), day 3', reason: 'bad_time' }, // opened 1e300 times
      { record: 'item 1 (github.com), day 4', reason: 'bad_date' }, // 12/31/1999
      // Twenty hours each, forty hours together on one day.
      { record: 'item 2 (example.org), day 1', reason: 'bad_time' },
      { record: 'item 3 (example.org), day 1', reason: 'bad_time' },
    ]);
    expect(await rollups()).toEqual([
      ['2024-04-15', 'github.com', 120_000, 2],
      ['2024-04-17', 'www.youtube.com', 86_400_000, 5],
    ]);
    await expectWithinADay();
  });

  it('time-tracker-4-browser JSON: "1e20" seconds and the year 1 are left out', async () => {
    const result = await runImport(db, hostile('time-tracker-4-browser-record.json'), opts());
    expect(result.imported).toBe(1);
    expect(result.skipped).toEqual([
      { record: 'row 1', reason: 'bad_time' }, // "1e20" is not how it writes seconds
      { record: 'row 2', reason: 'bad_time' },
      { record: 'row 3', reason: 'bad_time' }, // "0x10"
      { record: 'row 4', reason: 'bad_time' }, // 1e300 visits
      { record: 'row 5', reason: 'bad_date' }, // 9999-12-31
    ]);
    expect(await rollups()).toEqual([['2024-04-16', 'github.com', 3_600_000, 7]]);
  });

  it('time-tracker-4-browser CSV: the year 1, "1e20" seconds, 100,000 seconds a day, 10^8 visits', async () => {
    const result = await runImport(db, hostile('time-tracker-4-browser-record.csv'), opts());
    expect(result.imported).toBe(1);
    expect(result.skipped).toEqual([
      { record: 'row 2', reason: 'bad_time' },
      { record: 'row 1', reason: 'bad_date' },
      { record: 'row 3', reason: 'bad_time' },
      { record: 'row 4', reason: 'bad_time' },
    ]);
    expect(await rollups()).toEqual([['2024-04-16', 'github.com', 3_600_000, 7]]);
  });

  it('the year 1 with a valid duration is a bad date (checked before the figures)', async () => {
    const text = JSON.stringify([{ host: 'github.com', date: '00010101', focus: '60', time: 1 }]);
    const result = await runImport(db, text, opts());
    expect(result.skipped).toEqual([{ record: 'row 1', reason: 'bad_date' }]);
  });

  it('Tracksphere: visits spanning centuries, active for millennia, or in the future, are left out', async () => {
    const result = await runImport(db, hostile('tracksphere-export.json'), opts());
    expect(result.imported).toBe(1);
    expect(result.skipped).toEqual([
      { record: 'visit 1', reason: 'invalid_visit' }, // 1970 to 9999, activeMs over 31 days
      { record: 'visit 2', reason: 'bad_time' }, // 2024 to 2100
      { record: 'visit 3', reason: 'bad_date' }, // 2999
    ]);
    expect(await rollups()).toEqual([['2024-04-17', 'example.com', 600_000, 1]]);
    await expectWithinADay();
  });

  it('a date of tomorrow is taken, one of the day after is not', async () => {
    const day = (ms: number) => new Date(ms).toLocaleDateString('en-US', { timeZone: 'UTC' });
    const text = JSON.stringify([
      {
        url: 'github.com',
        favicon: '',
        summaryTime: 120,
        counter: 2,
        days: [
          { counter: 1, date: day(NOW + 86_400_000), summary: 60 },
          { counter: 1, date: day(NOW + 2 * 86_400_000), summary: 60 },
        ],
      },
    ]);
    const result = await runImport(db, text, opts());
    expect(result.imported).toBe(1);
    expect(result.skipped).toEqual([{ record: 'item 1 (github.com), day 2', reason: 'bad_date' }]);
  });
});
