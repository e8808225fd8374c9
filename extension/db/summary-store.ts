/**
 * All my browsers' cached summaries in the database (schema version 10): a row per cached range
 * with the summary's head (its range, browsers, watermarks and cursor) and how many rows it has,
 * and its rows a database row per day. Choosing a summary reads the heads alone; showing a range
 * reads the days of the range, so a day of a cached year is 1 row of 365, not all of them.
 *
 * A day's rows are stored as columns (each device id once): a busy year of three browsers
 * (171,915 rows) is 6 MB so in V8's serializer where 21 MB as objects, and Chromium's IndexedDB
 * writes it in 49-51 ms rather than 138-207 ms and reads and decodes it in 51-53 ms rather than
 * 198-204 ms.
 */
import { Dexie } from 'dexie';
import type { Summary, SummaryRow } from '#protocol';
import type { CachedSummaryDay, CachedSummaryRange, TracksphereDb } from './schema.js';

export const summaryRangeId = (range: { tz: string; from: string; to: string }): string =>
  `${range.tz} ${range.from} ${range.to}`;

function dayRows(id: string, rows: readonly SummaryRow[]): CachedSummaryDay[] {
  const days: CachedSummaryDay[] = [];
  let day: CachedSummaryDay | null = null;
  let deviceIndex = new Map<string, number>();
  for (const row of rows) {
    if (day === null || day.date !== row.date) {
      // Rows come sorted by date (the API's order, and mergeSummary's).
      day = days.find((d) => d.date === row.date) ?? null;
      if (day === null) {
        day = {
          id,
          date: row.date,
          deviceIds: [],
          domains: [],
          devices: [],
          activeMs: [],
          visits: [],
        };
        days.push(day);
      }
      deviceIndex = new Map(day.deviceIds.map((d, i) => [d, i]));
    }
    let device = deviceIndex.get(row.deviceId);
    if (device === undefined) {
      device = day.deviceIds.push(row.deviceId) - 1;
      deviceIndex.set(row.deviceId, device);
    }
    day.domains.push(row.domain);
    day.devices.push(device);
    day.activeMs.push(row.activeMs);
    day.visits.push(row.visits);
  }
  return days;
}

/** Every cached summary's head, in no particular order. */
export async function cachedSummaryRanges(db: TracksphereDb): Promise<CachedSummaryRange[]> {
  return db.summaryRanges.toArray();
}

/** The rows a cached summary holds from `from` to `to` (YYYY-MM-DD), in the summary's order. */
export async function cachedSummaryRows(
  db: TracksphereDb,
  id: string,
  from: string,
  to: string,
): Promise<SummaryRow[]> {
  if (from > to) return [];
  const days = await db.summaryDays
    .where('[id+date]')
    .between([id, from], [id, to], true, true)
    .toArray();
  const rows: SummaryRow[] = [];
  for (const day of days) {
    for (let i = 0; i < day.domains.length; i++) {
      rows.push({
        date: day.date,
        domain: day.domains[i] as string,
        deviceId: day.deviceIds[day.devices[i] as number] as string,
        activeMs: day.activeMs[i] as number,
        visits: day.visits[i] as number,
      });
    }
  }
  return rows;
}

async function deleteRange(db: TracksphereDb, id: string): Promise<void> {
  await db.summaryRanges.delete(id);
  await db.summaryDays
    .where('[id+date]')
    .between([id, Dexie.minKey], [id, Dexie.maxKey], true, true)
    .delete();
}

/**
 * Caches `received` in one transaction: `keep` (given the cached heads, the new one's among
 * them) names those that stay, the others go with their days. With `unchangedBut`, `received`
 * is the range's cached summary (received at `fetchedAt`) with only the days in `dates`
 * changed: when that summary is still the one cached, only those days are written (a refresh of
 * a year after one day changed writes a day's row, not 6 MB of 365); otherwise every day is.
 */
export async function storeCachedSummary(
  db: TracksphereDb,
  received: { summary: Summary; fetchedAt: number },
  keep: (cached: CachedSummaryRange[], received: CachedSummaryRange) => readonly string[],
  unchangedBut?: { fetchedAt: number; cursor?: string; dates: ReadonlySet<string> },
): Promise<void> {
  const { rows, ...summary } = received.summary;
  const head: CachedSummaryRange = {
    id: summaryRangeId(summary),
    summary,
    fetchedAt: received.fetchedAt,
    rowCount: rows.length,
  };
  const changedDays =
    unchangedBut === undefined
      ? null
      : dayRows(
          head.id,
          rows.filter((r) => unchangedBut.dates.has(r.date)),
        );
  await db.transaction('rw', db.summaryRanges, db.summaryDays, async () => {
    const cached = await db.summaryRanges.toArray();
    const kept = new Set(keep(cached, head));
    const inPlace =
      changedDays !== null &&
      kept.has(head.id) &&
      cached.some(
        (e) =>
          e.id === head.id &&
          e.fetchedAt === unchangedBut?.fetchedAt &&
          e.summary.cursor === unchangedBut.cursor,
      );
    for (const entry of cached) {
      if (entry.id === head.id && inPlace) continue;
      if (entry.id === head.id || !kept.has(entry.id)) await deleteRange(db, entry.id);
    }
    if (!kept.has(head.id)) return;
    await db.summaryRanges.put(head);
    if (inPlace && unchangedBut !== undefined && changedDays !== null) {
      // A changed day may have no rows left (an erase): its old row goes either way.
      await db.summaryDays.bulkDelete([...unchangedBut.dates].map((date) => [head.id, date]));
      await db.summaryDays.bulkPut(changedDays);
      return;
    }
    await db.summaryDays.bulkPut(dayRows(head.id, rows));
  });
}

/** Drops the cached summaries received before `before` (ms since the epoch), with their days. */
export async function dropCachedSummariesBefore(
  db: TracksphereDb,
  before: number,
): Promise<number> {
  return db.transaction('rw', db.summaryRanges, db.summaryDays, async () => {
    const old = await db.summaryRanges.filter((entry) => entry.fetchedAt < before).toArray();
    for (const entry of old) await deleteRange(db, entry.id);
    return old.length;
  });
}

/** Forgets every cached summary. */
export async function clearCachedSummaries(db: TracksphereDb): Promise<void> {
  await db.transaction('rw', db.summaryRanges, db.summaryDays, async () => {
    await Promise.all([db.summaryRanges.clear(), db.summaryDays.clear()]);
  });
}
