/**
 * Tracksphere's own JSON export (db/export-visits.ts): a list of visits, each a VisitEvent
 * with its sync state. A restore keeps each visit's id and session, so visits already here
 * are recognised, and a visit the server already holds is not stored twice there if it is
 * ever sent again (the server is idempotent on the id). A visit the export says was sent
 * stays sent: the server has it, so "All my browsers" finds it in the server's summary and
 * does not count it again from this browser (stats/all-browsers.ts).
 */
import { VisitEventSchema } from '#protocol';
import {
  collect,
  isRecord,
  type ParsedFile,
  type ParsedVisit,
  type SkippedRecord,
  type SkipReasonCode,
} from './types.js';

const EXPORT_ONLY_FIELDS = ['syncState', 'sentAt', 'rejectCode', 'rejectReason'] as const;

/** Whether parsed JSON is a Tracksphere export: a list of objects of type 'visit'. */
export function isTracksphereExport(data: unknown): data is unknown[] {
  if (!Array.isArray(data)) return false;
  const first = data.find(isRecord);
  return first !== undefined && first.type === 'visit' && 'startedAt' in first;
}

function readVisit(record: string, item: unknown): ParsedVisit | SkipReasonCode {
  if (!isRecord(item)) return 'invalid_visit';
  const event: Record<string, unknown> = { ...item };
  for (const field of EXPORT_ONLY_FIELDS) delete event[field];
  const checked = VisitEventSchema.safeParse(event);
  if (!checked.success) return 'invalid_visit';
  const v = checked.data;
  const sentMs = item.syncState === 'sent' ? Date.parse(String(item.sentAt)) : Number.NaN;
  return {
    record,
    id: v.id,
    sessionId: v.sessionId,
    url: v.url,
    host: v.domain,
    title: v.title,
    startedMs: Date.parse(v.startedAt),
    endedMs: Date.parse(v.endedAt),
    activeMs: v.activeMs,
    startedAt: v.startedAt,
    endedAt: v.endedAt,
    transition: v.transition,
    ...(Number.isFinite(sentMs) ? { sentMs } : {}),
  };
}

export function parseTracksphereExport(items: readonly unknown[]): ParsedFile {
  const visits: ParsedVisit[] = [];
  const skipped: SkippedRecord[] = [];
  for (const [i, item] of items.entries()) {
    const record = `visit ${i + 1}`;
    collect(record, readVisit(record, item), visits, skipped);
  }
  return { source: 'tracksphere', days: [], visits, skipped };
}
