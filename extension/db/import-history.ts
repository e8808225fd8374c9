/**
 * History imported from a file (extension/import/) written in one transaction: all of it or,
 * if anything fails, none of it. Importing the same file again adds nothing.
 */
import { Dexie } from 'dexie';
import type { DayOf } from './day.js';
import { applyRollupDeltas, deltaOf, type RollupDelta } from './month-rollups.js';
import { addVisitRollups } from './rollup-upkeep.js';
import { type DailyRollup, type StoredVisit, type TracksphereDb, visitTables } from './schema.js';
import { bulkGetStored } from './stored-rows.js';

const DAY_MS = 86_400_000;
/** Rows written per request batch, between two progress reports. */
const CHUNK = 5_000;

/** A day's figures for one domain from a tracker that keeps no visits, with its file records. */
export interface ImportedDay extends DailyRollup {
  records: string[];
}

export type ImportedVisit = StoredVisit & { record: string };

interface Figures {
  activeMs: number;
  visits: number;
}

/** A rollup row that imports have added to, by source: what each source's files held. */
export interface ImportedRollup extends DailyRollup {
  imported?: Partial<Record<string, Figures>>;
}

export interface ImportWriteOptions {
  source: string;
  dayOf: DayOf;
  /** Visits that started before this (the local retention's cutoff) count in the rollups only. */
  keepVisitsFromMs: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ImportWriteResult {
  imported: number;
  /** Records whose history is here already (this file, or one like it, was imported before). */
  alreadyImported: string[];
}

function keyOf(day: string, domain: string): string {
  return `${day}\u0000${domain}`;
}

/**
 * Day figures: each row grows by what the file holds beyond what this source added before,
 * so a second import of the same file, or of a later backup, counts each day once.
 */
async function writeDays(
  db: TracksphereDb,
  days: readonly ImportedDay[],
  opts: ImportWriteOptions,
  result: ImportWriteResult,
): Promise<void> {
  const rows = (await bulkGetStored(
    db.dailyRollups,
    days.map((d): [string, string] => [d.day, d.domain]),
  )) as (ImportedRollup | undefined)[];
  const changed: ImportedRollup[] = [];
  days.forEach((d, i) => {
    const row: ImportedRollup = rows[i] ?? { day: d.day, domain: d.domain, activeMs: 0, visits: 0 };
    const before = row.imported?.[opts.source] ?? { activeMs: 0, visits: 0 };
    const addMs = Math.max(0, d.activeMs - before.activeMs);
    const addVisits = Math.max(0, d.visits - before.visits);
    if (addMs === 0 && addVisits === 0) {
      result.alreadyImported.push(...d.records);
      return;
    }
    result.imported += d.records.length;
    changed.push({
      ...row,
      activeMs: row.activeMs + addMs,
      visits: row.visits + addVisits,
      imported: {
        ...row.imported,
        [opts.source]: {
          activeMs: Math.max(before.activeMs, d.activeMs),
          visits: Math.max(before.visits, d.visits),
        },
      },
    });
  });
  await db.dailyRollups.bulkPut(changed);
  // Each row's change once, from what it was to what was put last (a day may come twice).
  const stored = new Map<string, DailyRollup | undefined>();
  days.forEach((d, i) => {
    const key = keyOf(d.day, d.domain);
    if (!stored.has(key)) stored.set(key, rows[i]);
  });
  const last = new Map(changed.map((row) => [keyOf(row.day, row.domain), row]));
  await applyRollupDeltas(
    db,
    [...last].map(([key, row]) => deltaOf(stored.get(key), row)),
  );
}

/**
 * Visits: those whose id is stored already are left as they are. A rollup row keeps, per
 * source, the sum of the file's visits on it (as the day figures do), and grows by what the
 * file holds beyond that and beyond its visits already stored: rollups outlive visits (local
 * retention), so a file imported again after its old visits were pruned adds nothing, while
 * a day this browser recorded too gains the file's visits. Visits older than the retention
 * count in the rollups without being stored, as if pruned.
 */
async function writeVisits(
  db: TracksphereDb,
  visits: readonly ImportedVisit[],
  opts: ImportWriteOptions,
  result: ImportWriteResult,
  progress: Progress,
): Promise<void> {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const v of visits) {
    first = Math.min(first, v.startedMs);
    last = Math.max(last, v.startedMs);
  }
  // The visits of every day the file's visits fall on (a margin for the local day's length).
  const nearby = await db.visits
    .where('startedMs')
    .between(first - 2 * DAY_MS, last + 2 * DAY_MS, true, true)
    .toArray();
  const storedIds = new Set(nearby.map((v) => v.id));
  const fresh: ImportedVisit[] = [];
  for (const v of visits) {
    if (storedIds.has(v.id)) result.alreadyImported.push(v.record);
    else fresh.push(v);
  }
  // Each fresh visit's rollup key, once: a local day costs a Date per call.
  const freshKeys = fresh.map((v) => keyOf(opts.dayOf(v.startedMs), v.domain));
  const touched = new Set(freshKeys);
  const toStore = fresh.filter((v) => v.startedMs >= opts.keepVisitsFromMs);
  progress.addTotal(toStore.length + touched.size);
  const failed = new Set<string>();
  for (let i = 0; i < toStore.length; i += CHUNK) {
    const chunk = toStore.slice(i, i + CHUNK).map(({ record: _record, ...v }): StoredVisit => v);
    try {
      await db.visits.bulkAdd(chunk);
    } catch (e) {
      // An id stored under another start (an edited file): that visit stays as it is.
      if (!(e instanceof Dexie.BulkError)) throw e;
      for (const pos of Object.keys(e.failuresByPos)) failed.add(chunk[Number(pos)]?.id ?? '');
    }
    progress.done(chunk.length);
  }
  // The heatmap's and the pages' rollups follow the visits stored (not those kept as figures).
  await addVisitRollups(
    db,
    toStore.filter((v) => !failed.has(v.id)),
    opts.dayOf,
  );

  // Per touched row: all of the file's visits on it, and those of them stored before.
  const sums = new Map<string, { file: DailyRollup; stored: Figures }>();
  const sumOf = (key: string, day: string, domain: string) => {
    let sum = sums.get(key);
    if (sum === undefined) {
      sum = { file: { day, domain, activeMs: 0, visits: 0 }, stored: { activeMs: 0, visits: 0 } };
      sums.set(key, sum);
    }
    return sum;
  };
  for (const v of visits) {
    if (!storedIds.has(v.id)) continue;
    const day = opts.dayOf(v.startedMs);
    const key = keyOf(day, v.domain);
    if (!touched.has(key)) continue;
    const sum = sumOf(key, day, v.domain);
    sum.stored.activeMs += v.activeMs;
    sum.stored.visits += 1;
  }
  fresh.forEach((v, i) => {
    if (failed.has(v.id)) return;
    const sum = sumOf(freshKeys[i] as string, opts.dayOf(v.startedMs), v.domain);
    sum.file.activeMs += v.activeMs;
    sum.file.visits += 1;
  });
  for (const sum of sums.values()) {
    sum.file.activeMs += sum.stored.activeMs;
    sum.file.visits += sum.stored.visits;
  }

  const grown = new Set<string>();
  const all = [...sums.values()];
  for (let i = 0; i < all.length; i += CHUNK) {
    const part = all.slice(i, i + CHUNK);
    const rows = (await bulkGetStored(
      db.dailyRollups,
      part.map((s): [string, string] => [s.file.day, s.file.domain]),
    )) as (ImportedRollup | undefined)[];
    const changed: ImportedRollup[] = [];
    const deltas: RollupDelta[] = [];
    part.forEach(({ file, stored }, j) => {
      const row = rows[j] ?? { day: file.day, domain: file.domain, activeMs: 0, visits: 0 };
      const before = row.imported?.[opts.source] ?? { activeMs: 0, visits: 0 };
      const addMs = Math.max(0, file.activeMs - Math.max(before.activeMs, stored.activeMs));
      const addVisits = Math.max(0, file.visits - Math.max(before.visits, stored.visits));
      if (addMs > 0 || addVisits > 0) grown.add(keyOf(file.day, file.domain));
      else if (rows[j] === undefined) return;
      deltas.push({ day: file.day, domain: file.domain, activeMs: addMs, visits: addVisits });
      changed.push({
        ...row,
        activeMs: row.activeMs + addMs,
        visits: row.visits + addVisits,
        imported: {
          ...row.imported,
          [opts.source]: {
            activeMs: Math.max(before.activeMs, file.activeMs),
            visits: Math.max(before.visits, file.visits),
          },
        },
      });
    });
    await db.dailyRollups.bulkPut(changed);
    await applyRollupDeltas(db, deltas);
    progress.done(part.length);
  }

  fresh.forEach((v, i) => {
    const stored = v.startedMs >= opts.keepVisitsFromMs && !failed.has(v.id);
    if (stored || grown.has(freshKeys[i] as string)) result.imported += 1;
    else result.alreadyImported.push(v.record);
  });
}

/** Work done out of work known: the total grows once the visits' rollups are known. */
interface Progress {
  addTotal(n: number): void;
  done(n: number): void;
}

/**
 * Writes an import's days and visits in one transaction; imported visits stay 'local' (or
 * 'sent': a restored visit the server has, import/tracksphere.ts).
 */
export function writeImport(
  db: TracksphereDb,
  input: { days: readonly ImportedDay[]; visits: readonly ImportedVisit[] },
  opts: ImportWriteOptions,
): Promise<ImportWriteResult> {
  let total = input.days.length;
  let done = 0;
  const progress: Progress = {
    addTotal: (n) => {
      total += n;
    },
    done: (n) => {
      done += n;
      opts.onProgress?.(Math.min(done, total), total);
    },
  };
  const tables = visitTables(db);
  return db.transaction('rw', tables, async () => {
    const result: ImportWriteResult = { imported: 0, alreadyImported: [] };
    if (input.days.length > 0) await writeDays(db, input.days, opts, result);
    progress.done(input.days.length);
    if (input.visits.length > 0) await writeVisits(db, input.visits, opts, result, progress);
    opts.onProgress?.(total, total);
    return result;
  });
}
