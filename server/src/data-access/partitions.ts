import type { Pool } from './pool.js';
import { withTransaction } from './pool.js';
import {
  deleteVisitsAndSubtract,
  dropRollupPartition,
  ensureRangePartition,
  ensureRollupPartition,
  partitionsOf,
  rollupPartitions,
} from './rollup-partitions.js';
import { pruneSummaryChanges } from './summary-changes-repo.js';
import {
  dropSummaryDaysPartition,
  ensureSummaryDaysPartition,
  summaryDaysPartitions,
} from './summary-days-partitions.js';

/** Advisory lock key so that only one process at a time maintains partitions. */
const MAINTENANCE_LOCK = 0x7472_6b73; // "trks"

const DAY_MS = 86_400_000;

/**
 * Visits whose clock skew is beyond a day: their corrected time may lie far
 * from the raw time the table is partitioned on. The text is the predicate of
 * the partial index visits_skewed_corrected_idx (migration 1796460000000), so
 * PostgreSQL finds them through it. Every other visit's corrected time is
 * within SKEW_MARGIN_MS of its raw time.
 */
const SKEWED = 'clock_skew_ms > 86400000 OR clock_skew_ms < -86400000';
const SKEW_MARGIN_MS = DAY_MS;

/**
 * How long past the cutoff a month whose raw range is past it waits for its
 * latest skewed visit, to be dropped whole (cheap), rather than deleted row by
 * row (a month of rows) now.
 */
const WAIT_MS = 7 * DAY_MS;

/**
 * Months one run drops at most, oldest first. One comes due a month after the
 * last; more at once (a clock jumping ahead, RETENTION_DAYS cut, a long
 * stop) are dropped one per hourly run, and the result names the rest.
 */
export const MAX_DROPS_PER_RUN = 1;

/**
 * Rows (the latest started, from device clocks within a day of the server's)
 * whose receive times stand for "the newest visit received": a lower bound of
 * it, read through the started_at index. A clock far ahead is left out: its
 * visits sent weeks ago start "now" and would hold retention back.
 */
const NEWEST_SAMPLE = 1000;

function monthStart(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

function addMonths(d: Date, n: number): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
}

export function partitionName(month: Date): string {
  const y = month.getUTCFullYear();
  const m = String(month.getUTCMonth() + 1).padStart(2, '0');
  return `visits_${y}_${m}`;
}

export interface MaintenanceResult {
  created: string[];
  dropped: string[];
  /** Months due but left for later runs (more were due than maxDrops). */
  overdue: string[];
  /** Months past the cutoff kept a while for a visit whose corrected start is not (WAIT_MS). */
  waiting: string[];
  /** Rows deleted one by one by their corrected start (skewed visits; months keeping a later one). */
  deletedRows: number;
  deletedFromDefault: number;
  /** The time retention measured from: the earliest of the three clocks. */
  reference: Date;
  clocks: { server: Date; database: Date; newestReceived: Date | null };
}

/** A month of visits whose raw range ended a skew margin before the cutoff (it may be dropped). */
function dropCandidate(name: string, cutoff: Date): boolean {
  const m = /^visits_(\d{4})_(\d{2})$/.exec(name);
  if (m === null) return false;
  const end = addMonths(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)), 1);
  return end.getTime() + SKEW_MARGIN_MS <= cutoff.getTime();
}

/**
 * Creates monthly partitions from `monthsBack` before now to `monthsAhead`
 * after, moving any rows the default partition holds for a new month into it
 * (PostgreSQL refuses to create a partition whose range the default already
 * holds rows for); then applies retention.
 *
 * Retention judges a visit by its corrected start (started_at_corrected), as
 * acceptance does (domain/ingest.ts refuses a start older than the retention
 * after correction), never by the raw client time the table is partitioned
 * on: a device clock two years behind must not lose the visit it made an hour
 * ago. So a month whose raw range ended a day (SKEW_MARGIN_MS) before the
 * cutoff is dropped whole only when none of its skewed visits is corrected
 * past the cutoff; when one is, the month waits (up to WAIT_MS) or, for a
 * visit corrected further on, loses its other rows by DELETE. Skewed visits
 * corrected before the cutoff are deleted wherever they are (a device clock
 * ahead files them under a later month), and so are the default partition's
 * visits corrected before it.
 *
 * The hourly rollup of visits (visit_rollup) and the summary's daily one (visit_rollup_days)
 * get their months with visits' and lose them together; what retention deletes row by row
 * leaves both in the same transaction (the days are subtracted with the hours). The summary's
 * change log loses its days before the cutoff's and its erased devices' rows (pruneSummaryChanges).
 *
 * Retention measures from the earliest of `now` (this server's clock),
 * PostgreSQL's now() and the newest visit received, so a clock that jumps
 * ahead deletes nothing early: what was received within the retention window
 * stays. A server that receives nothing keeps what it has until visits come
 * again. And one run drops at most `maxDrops` months (MAX_DROPS_PER_RUN).
 */
export async function maintainPartitions(
  pool: Pool,
  opts: {
    now: Date;
    monthsAhead: number;
    monthsBack: number;
    retentionDays: number;
    maxDrops?: number;
  },
): Promise<MaintenanceResult> {
  return withTransaction(pool, async (client) => {
    const clocks = await client.query<{ database: Date; newest: Date | null }>(
      `SELECT now() AS database, (SELECT max(received_at) FROM (SELECT received_at FROM visits
          WHERE started_at <= least($1::timestamptz, now()) + interval '1 day'
            AND clock_skew_ms BETWEEN -86400000 AND 86400000
          ORDER BY started_at DESC LIMIT ${NEWEST_SAMPLE}) latest) AS newest`,
      [opts.now],
    );
    const database = clocks.rows[0]?.database ?? opts.now;
    const newestReceived = clocks.rows[0]?.newest ?? null;
    const reference = new Date(
      Math.min(opts.now.getTime(), database.getTime(), newestReceived?.getTime() ?? Infinity),
    );
    const result: MaintenanceResult = {
      created: [],
      dropped: [],
      overdue: [],
      waiting: [],
      deletedRows: 0,
      deletedFromDefault: 0,
      reference,
      clocks: { server: opts.now, database, newestReceived },
    };
    const locked = await client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_xact_lock($1) AS ok',
      [MAINTENANCE_LOCK],
    );
    if (locked.rows[0]?.ok !== true) return result;

    const names = await partitionsOf(client, 'visits');
    const cutoff = new Date(reference.getTime() - opts.retentionDays * DAY_MS);
    if ([...names].some((name) => dropCandidate(name, cutoff))) {
      // A month's receipt counts are taken out by counting its rows before the DROP; a write or
      // an erase of that month in flight meanwhile would be counted in or out twice, for good.
      // Writers wait for this run (about once a month). First, before any other lock here:
      // writers lock visits before its months and the rollups, and so must this.
      await client.query('LOCK TABLE visits IN SHARE ROW EXCLUSIVE MODE');
    }
    const rollupNames = await rollupPartitions(client);
    const dayNames = await summaryDaysPartitions(client);
    const first = monthStart(opts.now);

    for (let i = -opts.monthsBack; i <= opts.monthsAhead; i++) {
      const from = addMonths(first, i);
      const to = addMonths(first, i + 1);
      const name = partitionName(from);
      if (to <= cutoff) continue;
      const created = await ensureRangePartition(
        client,
        names,
        'visits',
        'started_at',
        name,
        from.toISOString(),
        to.toISOString(),
      );
      if (created) result.created.push(name);
      // The rollups' months too (rollup-partitions.ts), also when visits' exists. After visits':
      // a writer locks visits' default partition, then, in its triggers, the rollups' defaults;
      // taking them in the same order, maintenance and a writer never wait on each other in a
      // cycle (the other way round they deadlocked).
      await ensureRollupPartition(client, rollupNames, name, from, to);
      await ensureSummaryDaysPartition(client, dayNames, name, from, to);
    }

    const maxDrops = opts.maxDrops ?? MAX_DROPS_PER_RUN;
    // Oldest first (the names sort by month).
    for (const name of [...names].sort()) {
      if (!dropCandidate(name, cutoff)) continue;
      const latest = await client.query<{ at: Date | null }>(
        `SELECT max(started_at_corrected) AS at FROM ${name} WHERE ${SKEWED}`,
      );
      const at = latest.rows[0]?.at ?? null;
      if ((at === null || at < cutoff) && result.dropped.length >= maxDrops) {
        result.overdue.push(name);
      } else if (at === null || at < cutoff) {
        // Its visits' receipt counts lie in any hour: taken from the month before it goes.
        await client.query('SELECT visit_receipt_forget($1::regclass)', [name]);
        await client.query('SELECT visit_pages_receipts_forget($1::regclass)', [name]);
        await client.query(`DROP TABLE ${name}`);
        await dropRollupPartition(client, name);
        await dropSummaryDaysPartition(client, name);
        result.dropped.push(name);
      } else if (at.getTime() < cutoff.getTime() + WAIT_MS) {
        result.waiting.push(name);
      } else {
        result.deletedRows += await deleteVisitsAndSubtract(
          client,
          name,
          'started_at_corrected < $1',
          [cutoff],
        );
      }
    }
    const skewed = await client.query(
      `DELETE FROM visits WHERE (${SKEWED}) AND started_at_corrected < $1`,
      [cutoff],
    );
    result.deletedRows += skewed.rowCount ?? 0;
    // The rest's raw start is within SKEW_MARGIN_MS of the corrected one: the raw bound uses the index.
    result.deletedFromDefault = await deleteVisitsAndSubtract(
      client,
      'visits_default',
      'started_at < $2 AND started_at_corrected < $1',
      [cutoff, new Date(cutoff.getTime() + SKEW_MARGIN_MS)],
    );
    // Last: the change log's rows of the days before the cutoff's, those written above included.
    await pruneSummaryChanges(client, cutoff.toISOString().slice(0, 10));
    return result;
  });
}
