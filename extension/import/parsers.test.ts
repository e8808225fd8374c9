import { describe, expect, it } from 'vitest';
import { parseImportFile } from './detect.js';
import { fixture } from './import-test-kit.js';
import { ImportFileError, type ParsedFile } from './types.js';

/** A file's days as [day, host, activeMs, visits]: the figures each format is read into. */
function dayRows(parsed: ParsedFile): [string, string, number, number][] {
  return parsed.days.map(({ day, host, activeMs, visits }) => [day, host, activeMs, visits]);
}

function errorCode(text: string): string | undefined {
  try {
    parseImportFile(text);
  } catch (e) {
    return e instanceof ImportFileError ? e.code : 'other';
  }
  return undefined;
}

describe('Web Activity Time Tracker backup', () => {
  it('reads each site and day, with seconds as ms and the en-US date as an ISO day', () => {
    const parsed = parseImportFile(fixture('watt'));
    expect(parsed.source).toBe('web-activity-time-tracker');
    expect(dayRows(parsed)).toEqual([
      ['2024-04-16', 'github.com', 3_600_000, 7],
      ['2024-04-17', 'github.com', 1_800_000, 5],
      ['2024-04-17', 'www.youtube.com', 900_000, 3],
      ['2024-04-17', 'file:///home/me/notes.html', 60_000, 1],
    ]);
    expect(parsed.skipped).toEqual([
      { record: 'item 4 (news.ycombinator.com), day 1', reason: 'no_time' },
      { record: 'item 5 (example.org), day 1', reason: 'bad_date' },
    ]);
  });
});

describe('time-tracker-4-browser record export', () => {
  it('JSON: focus seconds as ms, YYYYMMDD days; rows merged by category or date are skipped', () => {
    const parsed = parseImportFile(fixture('tt4bJson'));
    expect(parsed.source).toBe('time-tracker-4-browser');
    expect(dayRows(parsed)).toEqual([
      ['2024-04-16', 'github.com', 3_600_000, 7],
      ['2024-04-17', 'www.youtube.com', 900_000, 3],
      ['2024-04-17', 'localhost:8080', 300_000, 4],
    ]);
    expect(parsed.skipped).toEqual([
      { record: 'row 3', reason: 'bad_host' },
      { record: 'row 4', reason: 'no_date' },
    ]);
  });

  it('CSV: the BOM and translated header ignored, columns by place (a comma in a name shifts only the middle)', () => {
    const parsed = parseImportFile(fixture('tt4bCsv'));
    expect(parsed.source).toBe('time-tracker-4-browser');
    expect(dayRows(parsed)).toEqual([
      ['2024-04-16', 'github.com', 3_600_000, 7],
      ['2024-04-17', 'www.youtube.com', 900_000, 3],
      ['2024-04-17', 'docs.google.com', 1_200_000, 2],
      ['2024-04-17', 'Not a host', 60_000, 1],
    ]);
    expect(parsed.skipped).toEqual([{ record: 'row 5', reason: 'bad_date' }]);
  });

  it('reads the CSV the same with a German header', () => {
    const german = fixture('tt4bCsv').replace(
      'Date,Domain,Site Name,Site Category,Duration,Visits',
      'Datum,Webseite,Site-Name,Seitenkategorie,Dauer,Besuche',
    );
    expect(parseImportFile(german).days).toHaveLength(4);
  });
});

describe('ActivityWatch export', () => {
  it('reads the web watcher bucket only: each event a visit, its duration in seconds the active time', () => {
    const parsed = parseImportFile(fixture('activityWatch'));
    expect(parsed.source).toBe('activitywatch');
    expect(
      parsed.visits.map((v) => [v.record, v.startedMs, v.endedMs, v.activeMs, v.incognito]),
    ).toEqual([
      [
        'aw-watcher-web-chrome_laptop, event 1',
        Date.UTC(2024, 3, 17, 9, 0, 0),
        Date.UTC(2024, 3, 17, 9, 10, 0, 500),
        600_500,
        false,
      ],
      [
        'aw-watcher-web-chrome_laptop, event 2',
        Date.UTC(2024, 3, 17, 9, 10, 0, 500),
        Date.UTC(2024, 3, 17, 9, 12, 0, 500),
        120_000,
        false,
      ],
      [
        'aw-watcher-web-chrome_laptop, event 3',
        Date.UTC(2024, 3, 17, 9, 12, 30, 500),
        Date.UTC(2024, 3, 17, 9, 13, 0, 500),
        30_000,
        false,
      ],
      [
        'aw-watcher-web-chrome_laptop, event 4',
        Date.UTC(2024, 3, 17, 9, 13, 0),
        Date.UTC(2024, 3, 17, 9, 14, 0),
        60_000,
        true,
      ],
      [
        'aw-watcher-web-chrome_laptop, event 5',
        Date.UTC(2024, 3, 17, 11, 0, 0),
        Date.UTC(2024, 3, 17, 11, 5, 0),
        300_000,
        false,
      ],
    ]);
    expect(parsed.skipped).toEqual([
      { record: 'aw-watcher-web-chrome_laptop, event 6', reason: 'bad_date' },
    ]);
  });

  it('refuses an export without a browser bucket', () => {
    const windowOnly = JSON.parse(fixture('activityWatch'));
    delete windowOnly.buckets['aw-watcher-web-chrome_laptop'];
    expect(errorCode(JSON.stringify(windowOnly))).toBe('no_browser_bucket');
  });
});

describe('Tracksphere export', () => {
  it('keeps ids, sessions and exact times; a visit the wire schema refuses is skipped', () => {
    const parsed = parseImportFile(fixture('tracksphere'));
    expect(parsed.source).toBe('tracksphere');
    expect(parsed.visits.map((v) => [v.id, v.startedAt, v.activeMs, v.url])).toEqual([
      [
        '0190a6f2-1111-7000-8000-000000000001',
        '2024-04-17T08:00:00.000Z',
        240_000,
        'https://example.com/articles/1',
      ],
      [
        '0190a6f2-1111-7000-8000-000000000002',
        '2024-04-17T08:05:00.000Z',
        50_000,
        'https://example.com/search?q=cats&session=s3cr3t',
      ],
      ['0190a6f2-1111-7000-8000-000000000003', '2024-04-16T20:00:00.000+02:00', 600_000, null],
    ]);
    expect(parsed.visits[2]?.startedMs).toBe(Date.UTC(2024, 3, 16, 18, 0, 0));
    // Only the visit the server acknowledged keeps when it did (a pending one was not).
    expect(parsed.visits.map((v) => v.sentMs)).toEqual([
      Date.UTC(2024, 3, 17, 8, 6),
      undefined,
      undefined,
    ]);
    expect(parsed.skipped).toEqual([{ record: 'visit 4', reason: 'invalid_visit' }]);
  });
});

describe('files that are none of these, or damaged', () => {
  it.each([
    ['a backup cut short', fixture('watt').slice(0, 200), 'damaged'],
    ['an ActivityWatch export cut short', fixture('activityWatch').slice(0, -20), 'damaged'],
    ['JSON of another shape', '{"hello":"world"}', 'unknown_format'],
    ['an empty list', '[]', 'unknown_format'],
    ['plain text', 'these are my notes\nnothing else', 'not_json_or_csv'],
    ['a CSV of another shape', 'name,age,city,country\nAnn,31,Oslo,Norway', 'not_json_or_csv'],
    ['an empty file', '', 'not_json_or_csv'],
  ])('%s: %s', (_name, text, code) => {
    expect(errorCode(text)).toBe(code);
  });
});
