/**
 * All my browsers (issue 18) in the bench; only when named:
 *
 *  - `BENCH_ONLY=rollup`: the writer's cost of keeping the rollups. insertVisits (the writer of
 *    both modes: COPY, then the rollup triggers) stores BENCH_ROLLUP_EVENTS (200,000) visits of
 *    100 devices in 5,000-row calls on 2 connections at once, with no rollup insert trigger,
 *    visit_rollup's (hours and the summary's days), those with the dashboards', and those with
 *    Pipeline health's receipt hours (ALTER TABLE ... DISABLE TRIGGER), BENCH_ROUNDS times in rotating order, on one database. Prints
 *    the events/s of each, the cost against none, and the time of folding a round's deltas.
 *  - `BENCH_ONLY=summary`: GET /api/v1/me/summary?v=2 (the compact answer the extension asks
 *    for) for 12 months of one person with 3 linked devices and BENCH_SUMMARY_VISITS (200,000)
 *    visits each (stored through insertVisits, so the triggers fill the rollups), against one
 *    indexed read of the daily rollup rows it reads (the primary key's range: device ids and
 *    days), interleaved, BENCH_SUMMARY_REQUESTS (60) each; then the first version's answer
 *    (v=1) against a read of the hourly rollup's rows (the reference before the daily rollup),
 *    BENCH_SUMMARY_V1_REQUESTS (8) each, and one day's summary (what the popup asks for). As a
 *    client: gzip accepted, the body read and parsed. Visits fall on the last 365 days, in the
 *    hours 07-22 UTC, on 300 domains of Zipf-like popularity. Targets: p99 < 100 ms and within
 *    3x of the read's p99.
 */
import { v7 as uuidv7 } from 'uuid';
import { maintainPartitions } from '../server/src/data-access/partitions.js';
import { createPool, type Pool } from '../server/src/data-access/pool.js';
import { foldRollupDeltas } from '../server/src/data-access/rollup-fold.js';
import type { VisitRecord } from '../server/src/data-access/visit-record.js';
import { insertVisits } from '../server/src/data-access/visits-repo.js';
import { registerDevice } from '../test/harness/client.js';
import { startPgCluster } from '../test/harness/postgres.js';
import { prepareDatabase, startTestServer, testLogger } from '../test/harness/server.js';
import { CHROME_ON_LINUX } from '../test/harness/visit-records.js';
import { link } from '../test/server/link-kit.js';
import { median, percentile } from './lib.js';

const log = (m: string) => process.stderr.write(`[bench rollup] ${m}\n`);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

function record(deviceId: string, startMs: number, domain: string, seq: number): VisitRecord {
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
function zipfDomain(u: number): string {
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
async function write(pool: Pool, records: VisitRecord[]): Promise<number> {
  const chunks: VisitRecord[][] = [];
  for (let i = 0; i < records.length; i += 5_000) chunks.push(records.slice(i, i + 5_000));
  const start = performance.now();
  const worker = async () => {
    for (let c = chunks.shift(); c !== undefined; c = chunks.shift()) await insertVisits(pool, c);
  };
  await Promise.all([worker(), worker()]);
  return records.length / ((performance.now() - start) / 1000);
}

export async function runRollupCost(rounds: number): Promise<void> {
  const cluster = await startPgCluster();
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
    ];
    const all = [
      'visits_rollup_insert',
      'visits_dashboard_rollups_insert',
      'visits_receipt_insert',
    ];
    const rates = new Map<string, number[]>(modes.map((m) => [m.name, []]));
    const folds: number[] = [];
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < modes.length; i++) {
        const mode = modes[(i + round) % modes.length] as (typeof modes)[number];
        for (const t of all) {
          const on = mode.triggers.includes(t) ? 'ENABLE' : 'DISABLE';
          await pool.query(`ALTER TABLE visits ${on} TRIGGER ${t}`);
        }
        const rate = await write(pool, batch());
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
      }
    }
    await pool.end();
    const off = median(rates.get('off') ?? []);
    const lines = modes.map((m) => {
      const r = median(rates.get(m.name) ?? []);
      const cost = m.name === 'off' ? '' : ` (${(((off - r) / off) * 100).toFixed(1)} % fewer)`;
      return `  ${`${m.name}:`.padEnd(34)}${Math.round(r)} events/s${cost}`;
    });
    process.stdout.write(
      `\nRollup cost on the writer (insertVisits, ${events} events a round, median of ${rounds}):\n` +
        `${lines.join('\n')}\n` +
        `  fold of a round's per-domain deltas (median of ${folds.length}): ${median(folds).toFixed(0)} ms\n`,
    );
  } finally {
    await cluster.destroy();
  }
}

async function timeIt(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times;
}

export async function runSummaryBench(): Promise<void> {
  const cluster = await startPgCluster();
  try {
    const url = await cluster.createDatabase('bench_summary');
    await prepareDatabase(url);
    const server = await startTestServer({ databaseUrl: url });
    const pool = server.pool;
    await maintainPartitions(pool, {
      now: new Date(),
      monthsAhead: 1,
      monthsBack: 13,
      retentionDays: 395,
    });
    const devs = await Promise.all([1, 2, 3].map(() => registerDevice(server.url)));
    const [a, b, c] = devs as [(typeof devs)[0], (typeof devs)[0], (typeof devs)[0]];
    await link(server.url, a.token, b.token);
    await link(server.url, a.token, c.token);
    const perDevice = num('BENCH_SUMMARY_VISITS', 200_000);
    const today = Math.floor(Date.now() / DAY) * DAY;
    let seq = 0;
    // mulberry32: a seeded generator, so every run stores the same visits.
    let state = 12345;
    const next = () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const t0 = performance.now();
    for (const d of devs) {
      const records: VisitRecord[] = [];
      for (let i = 0; i < perDevice; i++) {
        const day = today - Math.floor(next() * 365) * DAY;
        const at = day + 7 * HOUR + Math.floor(next() * 16 * HOUR);
        records.push(
          record(d.deviceId, Math.min(at, Date.now() - HOUR), zipfDomain(next()), seq++),
        );
      }
      await write(pool, records);
    }
    log(`seeded ${3 * perDevice} visits in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await pool.query('VACUUM ANALYZE visit_rollup');
    const from = new Date(today - 364 * DAY).toISOString().slice(0, 10);
    const to = new Date(today).toISOString().slice(0, 10);
    const ids = devs.map((d) => d.deviceId);
    // As a client reads it: Accept-Encoding gzip (fetch's default), the text, JSON.parse.
    const get = async (query: string) => {
      const res = await fetch(`${server.url}/api/v1/me/summary?${query}`, {
        headers: { authorization: `Bearer ${a.token}` },
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`summary: ${res.status} ${text}`);
      const body = JSON.parse(text) as { rows: unknown[] };
      return { body, text, wire: Number(res.headers.get('content-length') ?? text.length) };
    };
    const year = `from=${from}&to=${to}&tz=Europe/Berlin`;
    const yearV2 = () => get(`${year}&v=2`);
    const yearV1 = () => get(year);
    const oneDay = () => get(`from=${to}&to=${to}&tz=Europe/Berlin&v=2`);
    // The rows the summary reads: the daily rollup's of the range (the primary key's range).
    const read = () =>
      pool.query(
        `SELECT device_id, day, domain, active_ms, visits FROM visit_rollup_days
          WHERE device_id = ANY($1::uuid[]) AND day BETWEEN $2 AND $3`,
        [ids, new Date(today - 365 * DAY), new Date(today + DAY)],
      );
    // The previous reference: the hourly rollup's rows of the range.
    const readHours = () =>
      pool.query(
        `SELECT hour, device_id, domain, active_ms, visits FROM visit_rollup
          WHERE device_id = ANY($1::uuid[]) AND hour >= $2 AND hour < $3`,
        [ids, new Date(today - 365 * DAY), new Date(today + DAY)],
      );
    const v2 = await yearV2();
    const v1 = await yearV1();
    const dayRows = (await read()).rowCount ?? 0;
    const hourRows = (await readHours()).rowCount ?? 0;
    const n = num('BENCH_SUMMARY_REQUESTS', 60);
    const few = num('BENCH_SUMMARY_V1_REQUESTS', 8);
    const v2Ms: number[] = [];
    const readMs: number[] = [];
    const dayMs: number[] = [];
    // Interleaved, a warm-up of each first, so both see the same machine.
    await timeIt(3, yearV2);
    await timeIt(3, read);
    await timeIt(3, oneDay);
    for (let i = 0; i < n; i++) {
      v2Ms.push(...(await timeIt(1, yearV2)));
      readMs.push(...(await timeIt(1, read)));
      dayMs.push(...(await timeIt(1, oneDay)));
    }
    const v1Ms: number[] = [];
    const hoursMs: number[] = [];
    for (let i = 0; i < few; i++) {
      v1Ms.push(...(await timeIt(1, yearV1)));
      hoursMs.push(...(await timeIt(1, readHours)));
    }
    await server.close();
    const p = (xs: number[], q: number) => percentile(xs, q).toFixed(1);
    const ratio = percentile(v2Ms, 99) / percentile(readMs, 99);
    const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
    process.stdout.write(
      `\nSummary of 12 months, 3 linked devices x ${perDevice} visits (${hourRows} hourly and ${dayRows} daily rollup rows; ` +
        `${v2.body.rows.length} rows answered: v=2 ${mb(v2.text.length)} MB, ${mb(v2.wire)} MB gzipped; v=1 ${mb(v1.text.length)} MB, ${mb(v1.wire)} MB gzipped):\n` +
        `  GET /api/v1/me/summary?v=2 p50 / p99 (${n}): ${p(v2Ms, 50)} / ${p(v2Ms, 99)} ms (target p99 < 100: ${percentile(v2Ms, 99) < 100 ? 'met' : 'missed'})\n` +
        `  indexed read of the daily rollup rows it reads p50 / p99 (${n}): ${p(readMs, 50)} / ${p(readMs, 99)} ms\n` +
        `  ratio of p99s: ${ratio.toFixed(2)}x (target <= 3x: ${ratio <= 3 ? 'met' : 'missed'})\n` +
        `  GET /api/v1/me/summary (v=1) p50 / p99 (${few}): ${p(v1Ms, 50)} / ${p(v1Ms, 99)} ms; ` +
        `read of the hourly rollup rows p50 / p99 (${few}): ${p(hoursMs, 50)} / ${p(hoursMs, 99)} ms (ratio ${(percentile(v1Ms, 99) / percentile(hoursMs, 99)).toFixed(2)}x)\n` +
        `  one day (what the popup asks), v=2 p50 / p99 (${n}): ${p(dayMs, 50)} / ${p(dayMs, 99)} ms\n`,
    );
  } finally {
    await cluster.destroy();
  }
}
