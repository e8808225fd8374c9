/**
 * All my browsers (issue 18) in the bench; only when named:
 *
 *  - `BENCH_ONLY=rollup`: the writer's cost of keeping the rollups. insertVisits (the writer of
 *    both modes: COPY, then the rollup triggers) stores BENCH_ROLLUP_EVENTS (200,000) visits of
 *    100 devices in 5,000-row calls on 2 connections at once, with no rollup insert trigger,
 *    visit_rollup's (hours and the summary's days), those with the dashboards', and those with
 *    Pipeline health's receipt hours (ALTER TABLE ... DISABLE TRIGGER), BENCH_ROUNDS times in rotating order, on one database. Prints
 *    the events/s of each, the cost against none, the time of folding a round's deltas, and the
 *    time in each trigger and fold function with every trigger on (track_functions).
 *  - `BENCH_ONLY=summary`: bench/summary.ts.
 */
import { v7 as uuidv7 } from 'uuid';
import { createPool, type Pool } from '../server/src/data-access/pool.js';
import { foldRollupDeltas } from '../server/src/data-access/rollup-fold.js';
import type { VisitRecord } from '../server/src/data-access/visit-record.js';
import { insertVisits } from '../server/src/data-access/visits-repo.js';
import { startPgCluster } from '../test/harness/postgres.js';
import { prepareDatabase, testLogger } from '../test/harness/server.js';
import { CHROME_ON_LINUX } from '../test/harness/visit-records.js';
import { median } from './lib.js';

const log = (m: string) => process.stderr.write(`[bench rollup] ${m}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export function record(
  deviceId: string,
  startMs: number,
  domain: string,
  seq: number,
): VisitRecord {
  return {
    v: 1,
    id: uuidv7(),
    deviceId,
    batchId: '0190a6f2-0000-7000-8000-000000000002',
    sessionId: '0190a6f2-0000-7000-8000-000000000001',
    url: `https://${domain}/articles/${seq}/some-readable-slug?page=${seq % 7}`,
    domain,
    title: `Article ${seq}: a title of ordinary length for a web page`,
    startedAt: new Date(startMs).toISOString(),
    endedAt: new Date(startMs + 30_000).toISOString(),
    activeMs: 1_000 + (seq % 60_000),
    transition: 'link',
    receivedAt: new Date().toISOString(),
    clockSkewMs: 0,
    client: CHROME_ON_LINUX,
  };
}

const DOMAINS = Array.from({ length: 300 }, (_, i) => `site${i}.example.com`);
const WEIGHTS = DOMAINS.map((_, i) => 1 / (i + 1));
const TOTAL_WEIGHT = WEIGHTS.reduce((a, b) => a + b, 0);
export function zipfDomain(u: number): string {
  let x = u * TOTAL_WEIGHT;
  for (let i = 0; i < WEIGHTS.length; i++) {
    x -= WEIGHTS[i] as number;
    if (x <= 0) return DOMAINS[i] as string;
  }
  return DOMAINS[0] as string;
}

async function addDevices(pool: Pool, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => uuidv7());
  await pool.query(
    `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os)
     SELECT id, '\\x00'::bytea, '1', 'Chrome', '131', 'Linux' FROM unnest($1::uuid[]) id`,
    [ids],
  );
  return ids;
}

/** Stores `records` through insertVisits in 5,000-row calls, two at a time; events/s. */
export async function write(pool: Pool, records: VisitRecord[]): Promise<number> {
  const chunks: VisitRecord[][] = [];
  for (let i = 0; i < records.length; i += 5_000) chunks.push(records.slice(i, i + 5_000));
  const start = performance.now();
  const worker = async () => {
    for (let c = chunks.shift(); c !== undefined; c = chunks.shift()) await insertVisits(pool, c);
  };
  await Promise.all([worker(), worker()]);
  return records.length / ((performance.now() - start) / 1000);
}

/**
 * Adds each function's own time since the last pg_stat_reset(), per 1,000 of `events`, to
 * `into`. A backend reports its counts once idle for a second (PostgreSQL 15), hence the waits.
 */
async function readFunctionTimes(
  pool: Pool,
  events: number,
  into: Map<string, number[]>,
): Promise<void> {
  await sleep(1_500);
  await Promise.all([pool.query('SELECT 1'), pool.query('SELECT 1')]);
  await sleep(1_500);
  const r = await pool.query<{ funcname: string; ms: number }>(
    'SELECT funcname, self_time AS ms FROM pg_stat_user_functions WHERE calls > 0',
  );
  for (const { funcname, ms } of r.rows) {
    into.set(funcname, [...(into.get(funcname) ?? []), (ms / events) * 1_000]);
  }
}

export async function runRollupCost(rounds: number): Promise<void> {
  // track_functions: each trigger function's time, printed for the mode with every trigger on.
  const cluster = await startPgCluster({ settings: { track_functions: 'all' } });
  try {
    const url = await cluster.createDatabase('bench_rollup');
    await prepareDatabase(url);
    const pool = createPool(url, 4, testLogger('bench'));
    const devices = await addDevices(pool, 100);
    const events = num('BENCH_ROLLUP_EVENTS', 200_000);
    const now = Date.now();
    let seq = 0;
    const batch = () =>
      Array.from({ length: events }, () => {
        seq++;
        return record(
          devices[seq % 100] as string,
          now - 10 * 60_000 - (seq % (20 * DAY)),
          zipfDomain((seq * 0.618034) % 1),
          seq,
        );
      });
    // Four modes, in rotating order: no rollup trigger, visit_rollup's (the hours and, since
    // migration rollup-deltas, the summary's days in the same pass), visit_rollup's with the
    // dashboards' (migration dashboard-rollups; the per-domain ones as appended deltas), and
    // those with Pipeline health's receipt hours (migration receipt-hours, appended too).
    const modes = [
      { name: 'off', triggers: [] as string[] },
      { name: 'visit_rollup', triggers: ['visits_rollup_insert'] },
      {
        name: 'visit_rollup + dashboard rollups',
        triggers: ['visits_rollup_insert', 'visits_dashboard_rollups_insert'],
      },
      {
        name: '+ receipt hours',
        triggers: [
          'visits_rollup_insert',
          'visits_dashboard_rollups_insert',
          'visits_receipt_insert',
        ],
      },
      {
        // Top pages' page days and months and the per-device receipt hours (migration
        // pages-device-receipts): its cost is this against '+ receipt hours'. Every record
        // here has a URL of its own, the page rollups' worst case.
        name: '+ pages, device receipts',
        triggers: [
          'visits_rollup_insert',
          'visits_dashboard_rollups_insert',
          'visits_receipt_insert',
          'visits_pages_receipts_insert',
        ],
      },
      {
        // The summary's change log (migration summary-changes): every trigger, against the mode
        // before it (all but this one), in the same round.
        name: '+ summary changes',
        triggers: [
          'visits_rollup_insert',
          'visits_dashboard_rollups_insert',
          'visits_receipt_insert',
          'visits_pages_receipts_insert',
          'visits_summary_changes_insert',
        ],
      },
    ];
    const all = [
      'visits_rollup_insert',
      'visits_dashboard_rollups_insert',
      'visits_receipt_insert',
      'visits_summary_changes_insert',
      'visits_pages_receipts_insert',
    ];
    const rates = new Map<string, number[]>(modes.map((m) => [m.name, []]));
    const folds: number[] = [];
    const functionMs = new Map<string, number[]>();
    const every = modes[modes.length - 1]?.name;
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < modes.length; i++) {
        const mode = modes[(i + round) % modes.length] as (typeof modes)[number];
        for (const t of all) {
          const on = mode.triggers.includes(t) ? 'ENABLE' : 'DISABLE';
          await pool.query(`ALTER TABLE visits ${on} TRIGGER ${t}`);
        }
        const rows = batch();
        if (mode.name === every) await pool.query('SELECT pg_stat_reset()');
        const rate = await write(pool, rows);
        rates.get(mode.name)?.push(rate);
        log(`round ${round + 1}, ${mode.name}: ${Math.round(rate)} events/s`);
        // What the writers appended, folded as the writing processes' loop folds it (every
        // 10 s, off the writer's path): its time beside the round's.
        const t = performance.now();
        const folded = await foldRollupDeltas(pool);
        if (folded > 0) {
          folds.push(performance.now() - t);
          log(`  fold: ${folded} delta rows in ${(performance.now() - t).toFixed(0)} ms`);
        }
        if (mode.name === every) {
          await readFunctionTimes(pool, events, functionMs).catch((err: Error) =>
            log(`  function times not read: ${err.message}`),
          );
        }
      }
    }
    await pool.end();
    const off = median(rates.get('off') ?? []);
    const lines = modes.map((m) => {
      const r = median(rates.get(m.name) ?? []);
      const cost = m.name === 'off' ? '' : ` (${(((off - r) / off) * 100).toFixed(1)} % fewer)`;
      if (m.name === '+ summary changes') {
        // Per round, against the mode before it (run next to it): the machine's load moves
        // more between rounds than this trigger costs.
        const before = rates.get(modes[modes.indexOf(m) - 1]?.name ?? '') ?? [];
        const ratios = (rates.get(m.name) ?? []).map((x, i) => x / (before[i] ?? Number.NaN));
        return `  ${`${m.name}:`.padEnd(34)}${Math.round(r)} events/s${cost}; per round ${ratios.map((x) => x.toFixed(3)).join(', ')}x the rate without it (median ${median(ratios).toFixed(3)}x)`;
      }
      return `  ${`${m.name}:`.padEnd(34)}${Math.round(r)} events/s${cost}`;
    });
    process.stdout.write(
      `\nRollup cost on the writer (insertVisits, ${events} events a round, median of ${rounds}):\n` +
        `${lines.join('\n')}\n` +
        `  fold of a round's per-domain deltas (median of ${folds.length}): ${median(folds).toFixed(0)} ms\n` +
        `  time in each function with every trigger on, ms per 1,000 events (median of ${rounds}; wall time inside it, its own statements, not the functions it calls):\n` +
        [...functionMs]
          .map(([name, ms]) => ({ name, ms: median(ms) }))
          .sort((a, b) => b.ms - a.ms)
          .map(({ name, ms }) => `    ${`${name}:`.padEnd(34)}${ms.toFixed(1)}`)
          .join('\n') +
        '\n',
    );
  } finally {
    await cluster.destroy();
  }
}
