import { afterEach, describe, expect, it } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from './db-test-kit.js';
import { CSV_COLUMNS, type ExportedVisit, exportVisits, visitsToCsv } from './export-visits.js';
import { markSent } from './outbox-repo.js';
import { recordFinishedVisits } from './record-visits.js';
import type { TracksphereDb } from './schema.js';

let db: TracksphereDb;
afterEach(async () => {
  await db?.delete();
});

/** A strict RFC 4180 reader, to check that what we write reads back as written. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else cell += ch;
      i += 1;
      continue;
    }
    if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else if (ch === '\r' || ch === '\n' || ch === '"') {
      throw new Error(`bare ${JSON.stringify(ch)} at ${i}`);
    } else cell += ch;
    i += 1;
  }
  if (cell !== '' || row.length > 0) throw new Error('last line does not end with CRLF');
  return rows;
}

describe('export', () => {
  it('exports every visit, oldest first, with its sync state and no internal fields', async () => {
    db = freshTestDb();
    const late = makeVisit({ at: Date.UTC(2025, 0, 2) });
    const early = makeVisit({ at: Date.UTC(2025, 0, 1) });
    await recordFinishedVisits(db, [late, early], { syncEnabled: true, dayOf: utcDayOf });
    await markSent(db, [early.id], Date.UTC(2025, 0, 3));
    const out = await exportVisits(db);
    expect(out).toEqual([
      { ...early, syncState: 'sent', sentAt: '2025-01-03T00:00:00.000Z' },
      { ...late, syncState: 'pending' },
    ]);
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  it('writes RFC 4180 CSV that reads back field for field', () => {
    const tricky: ExportedVisit = {
      ...makeVisit({ title: 'He said "hi", then\r\nleft\n' }),
      url: null,
      transition: null,
      syncState: 'rejected',
      rejectCode: 'invalid_event',
      rejectReason: 'activeMs 5, exceeds',
    };
    const plain: ExportedVisit = { ...makeVisit(), syncState: 'local' };
    const rows = parseCsv(visitsToCsv([tricky, plain]));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(3);
    const [, first, second] = rows;
    const cell = (
      row: string[] | undefined,
      col: (typeof CSV_COLUMNS)[number],
    ): string | undefined => row?.[CSV_COLUMNS.indexOf(col)];
    expect(cell(first, 'title')).toBe('He said "hi", then\r\nleft\n');
    expect(cell(first, 'url')).toBe('');
    expect(cell(first, 'rejectReason')).toBe('activeMs 5, exceeds');
    expect(cell(second, 'activeMs')).toBe(String(plain.activeMs));
    expect(cell(second, 'sentAt')).toBe('');
  });

  it('defuses page titles that a spreadsheet would run as formulas', () => {
    const v: ExportedVisit = {
      ...makeVisit({ title: '=HYPERLINK("http://x")' }),
      syncState: 'local',
    };
    const row = parseCsv(visitsToCsv([v]))[1];
    expect(row?.[CSV_COLUMNS.indexOf('title')]).toBe('\'=HYPERLINK("http://x")');
  });

  it('quotes every text cell, so a spreadsheet splitting on ";" cannot start a cell with a formula', () => {
    const v: ExportedVisit = {
      ...makeVisit({ title: 'Sale; =HYPERLINK("http://x")' }),
      syncState: 'local',
    };
    const line = visitsToCsv([v]).split('\r\n')[1] ?? '';
    expect(line).toContain('"Sale; =HYPERLINK(""http://x"")"');
    expect(line).toContain(`"${v.domain}"`);
    expect(parseCsv(visitsToCsv([v]))[1]?.[CSV_COLUMNS.indexOf('title')]).toBe(
      'Sale; =HYPERLINK("http://x")',
    );
  });
});
