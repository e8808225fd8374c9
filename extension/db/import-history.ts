/**
 * History imported from a file (extension/import/) written in one transaction: all of it or,
 * if anything fails, none of it. Importing the same file again adds nothing.
 */
import { Dexie } from 'dexie';
import type { DayOf } from './day.js';
import { addVisitRollups } from './rollup-upkeep.js';
import type { DailyRollup, StoredVisit, TracksphereDb } from './schema.js';

const DAY_MS = 86_400_000;
/** Rows written per request batch, between two progress reports. */
const CHUNK = 5_000;

/** A day's figures for one domain from a tracker that keeps no visits, with its file records. */
export interface ImportedDay extends DailyRollup {
  records: string[];
}

export type ImportedVisit = StoredVisit & { record: string };

/** A rollup row that imports of day figures have added to, by source. */
export interface ImportedRollup extends DailyRollup {
  imported?: Partial<Record<string, { activeMs: number; visits: number }>>;
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
  const rows = (await db.dailyRollups.bulkGet(days.map((d) => [d.day, d.domain]))) as (
    | ImportedRollup
    | undefined
  )[];
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
}

/**
 * Visits: those whose id is stored already are left as they are. Each touched rollup becomes
 * the larger of what it holds and the sum of its visits now (those stored plus the file's new
 * ones), never their sum with it: rollups outlive visits (local retention), and a file
 * imported again after its old visits were pruned would otherwise count them twice. Visits
 * older than the retention count in the rollups without being stored, as if pruned.
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
    const chunk = toStore
      .slice(i, i + CHUNK)
      .map(({ record: _record, ...v }): StoredVisit => ({ ...v, syncState: 'local' }));
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

  const sums = new Map<string, DailyRollup>();
  const add = (key: string, v: StoredVisit, day: string): void => {
    const sum = sums.get(key) ?? { day, domain: v.domain, activeMs: 0, visits: 0 };
    sum.activeMs += v.activeMs;
    sum.visits += 1;
    sums.set(key, sum);
  };
  for (const v of nearby) {
    const day = opts.dayOf(v.startedMs);
    const key = keyOf(day, v.domain);
    if (touched.has(key)) add(key, v, day);
  }
  fresh.forEach((v, i) => {
    if (!failed.has(v.id)) add(freshKeys[i] as string, v, opts.dayOf(v.startedMs));
  });

  const grown = new Set<string>();
  const all = [...sums.values()];
  for (let i = 0; i < all.length; i += CHUNK) {
    const part = all.slice(i, i + CHUNK);
    const rows = (await db.dailyRollups.bulkGet(part.map((s) => [s.day, s.domain]))) as (
      | ImportedRollup
      | undefined
    )[];
    const changed: ImportedRollup[] = [];
    part.forEach((sum, j) => {
      const row = rows[j] ?? { day: sum.day, domain: sum.domain, activeMs: 0, visits: 0 };
      if (sum.activeMs <= row.activeMs && sum.visits <= row.visits) return;
      grown.add(keyOf(sum.day, sum.domain));
      changed.push({
        ...row,
        activeMs: Math.max(row.activeMs, sum.activeMs),
        visits: Math.max(row.visits, sum.visits),
      });
    });
    await db.dailyRollups.bulkPut(changed);
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

/** Writes an import's days and visits in one transaction; imported visits stay 'local'. */
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
  const tables = [db.visits, db.dailyRollups, db.heatRollups, db.pageRollups];
  return db.transaction('rw', tables, async () => {
    const result: ImportWriteResult = { imported: 0, alreadyImported: [] };
    if (input.days.length > 0) await writeDays(db, input.days, opts, result);
    progress.done(input.days.length);
    if (input.visits.length > 0) await writeVisits(db, input.visits, opts, result, progress);
    opts.onProgress?.(total, total);
    return result;
  });
}
