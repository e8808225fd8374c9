/** The person's own data out of the extension (guarantee 5): JSON and CSV. */
import type { VisitEvent } from '#protocol';
import type { SyncState, TracksphereDb } from './schema.js';

export interface ExportedVisit extends VisitEvent {
  syncState: SyncState;
  /** ISO time the server acknowledged the visit. */
  sentAt?: string;
  rejectCode?: string;
  rejectReason?: string;
}

/** Every stored visit, oldest first, with its sync state; internal fields left out. */
export async function exportVisits(db: TracksphereDb): Promise<ExportedVisit[]> {
  const rows = await db.visits.orderBy('startedMs').toArray();
  return rows.map(
    ({
      startedMs: _startedMs,
      ackedAt: _ackedAt,
      ackBatches: _ackBatches,
      ackSeq: _ackSeq,
      sentAt,
      ...visit
    }) => (sentAt === undefined ? visit : { ...visit, sentAt: new Date(sentAt).toISOString() }),
  );
}

export const CSV_COLUMNS = [
  'id',
  'startedAt',
  'endedAt',
  'activeMs',
  'domain',
  'url',
  'title',
  'transition',
  'sessionId',
  'syncState',
  'sentAt',
  'rejectCode',
  'rejectReason',
] as const satisfies readonly (keyof ExportedVisit)[];

/**
 * Page titles are written by web pages: a title like "=HYPERLINK(...)" would be
 * a live formula once the CSV is opened in a spreadsheet (OWASP CSV injection),
 * so such cells get a leading apostrophe.
 */
function neutralizeFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/**
 * Every text cell is quoted, not only those RFC 4180 requires: spreadsheets in locales whose
 * list separator is ";" split an unquoted cell there, and the part after it could start with a
 * formula that neutralizeFormula never saw.
 */
function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  return `"${neutralizeFormula(value).replaceAll('"', '""')}"`;
}

/** RFC 4180: CRLF line ends, a header line, text fields quoted. */
export function visitsToCsv(visits: readonly ExportedVisit[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const v of visits) lines.push(CSV_COLUMNS.map((c) => csvCell(v[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export async function exportVisitsCsv(db: TracksphereDb): Promise<string> {
  return visitsToCsv(await exportVisits(db));
}
