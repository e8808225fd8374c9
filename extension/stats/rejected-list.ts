import { rejectedVisits, type TracksphereDb } from '../db/index.js';

/** A visit the server refused, as the options page lists it. */
export interface RejectedRow {
  id: string;
  domain: string;
  startedAt: string;
  code: string;
  reason: string;
}

export const REJECTED_LIST_LIMIT = 100;

/** The most recent rejected visits, newest first. */
export async function loadRejected(
  db: TracksphereDb,
  limit: number = REJECTED_LIST_LIMIT,
): Promise<RejectedRow[]> {
  const rows = await rejectedVisits(db, limit);
  return rows.map((v) => ({
    id: v.id,
    domain: v.domain,
    startedAt: v.startedAt,
    code: v.rejectCode ?? 'unknown',
    reason: v.rejectReason ?? '',
  }));
}
