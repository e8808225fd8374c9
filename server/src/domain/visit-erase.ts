import { describeIssues, EraseVisitsQuerySchema } from '#protocol';
import type { Pool } from '../data-access/pool.js';
import { deleteDeviceVisits, type VisitEraseFilter } from '../data-access/visit-erase-repo.js';
import { AppError } from './errors.js';

/**
 * The query of DELETE /api/v1/me/visits as a filter, or 400 invalid_request naming what is
 * wrong. Each parameter at most once (a repeated one arrives as an array).
 */
export function parseEraseQuery(query: Record<string, unknown>): VisitEraseFilter {
  for (const [key, value] of Object.entries(query)) {
    if (typeof value !== 'string') {
      throw new AppError('invalid_request', `${key}: give it once, as plain text`);
    }
  }
  const parsed = EraseVisitsQuerySchema.safeParse(query);
  if (!parsed.success) throw new AppError('invalid_request', describeIssues(parsed.error));
  const filter: VisitEraseFilter = {};
  if (parsed.data.domain !== undefined) filter.domain = parsed.data.domain;
  if (parsed.data.from !== undefined) filter.from = parsed.data.from;
  if (parsed.data.to !== undefined) filter.to = parsed.data.to;
  return filter;
}

/**
 * Erases the calling device's visits that match `filter` (never another device's).
 * Idempotent: erasing again deletes nothing more and answers 0. Visits still on their way
 * through Kafka are not there yet: the extension sends the same erase again after its next
 * successful sync (docs/api.md).
 */
export function eraseDeviceVisits(
  pool: Pool,
  deviceId: string,
  filter: VisitEraseFilter,
): Promise<number> {
  return deleteDeviceVisits(pool, deviceId, filter);
}
