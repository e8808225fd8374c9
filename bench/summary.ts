/**
 * `BENCH_ONLY=summary` (issue 18): GET /api/v1/me/summary?v=2 (the compact answer the extension
 * asks for) for 12 months of one person with 3 linked devices and BENCH_SUMMARY_VISITS (200,000)
 * visits each (stored through insertVisits, so the triggers fill the rollups), against one
 * indexed read of the daily rollup rows it reads (the primary key's range: device ids and days),
 * interleaved, BENCH_SUMMARY_REQUESTS (60) each; then the first version's answer (v=1) against
 * a read of the hourly rollup's rows (the reference before the daily rollup),
 * BENCH_SUMMARY_V1_REQUESTS (8) each, and one day's summary (what the popup asks for). Then the
 * incremental answer the extension asks for once it has a cached one (since=<cursor>): after
 * nothing changed, and after one device synced one more day (a day's share of its visits,
 * stored between requests, not timed), BENCH_SUMMARY_REQUESTS each. Then the extension's first
 * request of a new day: the 12 months [D-364, D] with the cursor of [D-365, D-1] (the new day
 * whole, the rest incremental), with nothing else changed and after one device synced one more
 * day since that cursor (each round a fresh cursor, read and synced untimed), BENCH_SUMMARY_REQUESTS
 * each. Last, retention's prune of the change log at study scale (measurePrune). As a client: gzip
 * accepted, the body read and parsed. Visits fall on the last 365 days, in the hours 07-22 UTC,
 * on 300 domains of Zipf-like popularity. Targets: p99 < 100 ms and within 3x of the read's p99.
 */
import { maintainPartitions } from '../server/src/data-access/partitions.js';
import { pruneSummaryChanges } from '../server/src/data-access/summary-changes-repo.js';
import type { VisitRecord } from '../server/src/data-access/visit-record.js';
import { registerDevice } from '../test/harness/client.js';
import { startPgCluster } from '../test/harness/postgres.js';
import { prepareDatabase, startTestServer } from '../test/harness/server.js';
import { link } from '../test/server/link-kit.js';
import { percentile } from './lib.js';
import { record, write, zipfDomain } from './rollup.js';

const log = (m: string) => process.stderr.write(`[bench summary] ${m}\n`);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

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
    /** A day of b's visits, its share of a year, on the day starting at `day` (ms). */
    const syncDay = async (day: number): Promise<void> => {
      const records = Array.from({ length: Math.round(perDevice / 365) }, () =>
        record(
          b.deviceId,
          day + 7 * HOUR + Math.floor(next() * 16 * HOUR),
          zipfDomain(next()),
          seq++,
        ),
      );
      await write(pool, records);
    };
    // One a round, on a day of the range.
    const since = await measureSince(get, `${year}&v=2`, n, (i) =>
      syncDay(today - (i % 300) * DAY),
    );
    const dayBefore = (ms: number) => new Date(ms - DAY).toISOString().slice(0, 10);
    const yesterday = `from=${dayBefore(today - 364 * DAY)}&to=${dayBefore(today)}&tz=Europe/Berlin&v=2`;
    const moved = await measureMoved(get, yesterday, `${year}&v=2`, n, null);
    const movedSynced = await measureMoved(get, yesterday, `${year}&v=2`, n, (i) =>
      syncDay(today - (1 + (i % 300)) * DAY),
    );
    const v1Ms: number[] = [];
    const hoursMs: number[] = [];
    for (let i = 0; i < few; i++) {
      v1Ms.push(...(await timeIt(1, yearV1)));
      hoursMs.push(...(await timeIt(1, readHours)));
    }
    const prune = await measurePrune(pool, today);
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
        `  one day (what the popup asks), v=2 p50 / p99 (${n}): ${p(dayMs, 50)} / ${p(dayMs, 99)} ms\n` +
        `  12 months since the last answer, nothing changed, v=2 p50 / p99 (${n}): ${p(since.idle, 50)} / ${p(since.idle, 99)} ms ` +
        `(${(percentile(since.idle, 99) / percentile(v2Ms, 99)).toFixed(3)}x the full answer's p99, ${percentile(v2Ms, 99).toFixed(1)} ms; target p99 < 100: ${percentile(since.idle, 99) < 100 ? 'met' : 'missed'})\n` +
        `  12 months since the last answer, one device synced one more day, v=2 p50 / p99 (${n}): ${p(since.synced, 50)} / ${p(since.synced, 99)} ms ` +
        `(${(percentile(since.synced, 99) / percentile(v2Ms, 99)).toFixed(3)}x the full answer's p99; ${since.rows} rows answered, median; target p99 < 100: ${percentile(since.synced, 99) < 100 ? 'met' : 'missed'})\n` +
        movedLine('nothing else changed', moved, v2Ms, n) +
        movedLine('one device synced one more day since', movedSynced, v2Ms, n) +
        prune,
    );
  } finally {
    await cluster.destroy();
  }
}

/**
 * The incremental answer (since=<cursor>) of `query`: `n` times after nothing changed (the same
 * cursor each time), then `n` times after `sync(i)` stored more (not timed), each with the
 * cursor of the answer before it. Checks each answer is incremental.
 */
async function measureSince(
  get: (query: string) => Promise<{ body: { rows: unknown[] } }>,
  query: string,
  n: number,
  sync: (i: number) => Promise<void>,
): Promise<{ idle: number[]; synced: number[]; rows: number }> {
  type Answer = { body: { rows: unknown[]; cursor?: string; complete?: boolean } };
  const ask = async (cursor: string): Promise<Answer> => {
    const a = (await get(`${query}&since=${cursor}`)) as Answer;
    if (a.body.complete !== false) throw new Error('since: a complete answer');
    return a;
  };
  let cursor = ((await get(query)) as Answer).body.cursor ?? '';
  await timeIt(3, () => ask(cursor));
  const idle = await timeIt(n, () => ask(cursor));
  const synced: number[] = [];
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    await sync(i);
    const t = performance.now();
    const a = await ask(cursor);
    synced.push(performance.now() - t);
    rows.push(a.body.rows.length);
    cursor = a.body.cursor ?? '';
  }
  log(`since: ${n} idle and ${n} after a synced day`);
  return { idle, synced, rows: percentile(rows, 50) };
}

function movedLine(what: string, m: { ms: number[]; rows: number }, full: number[], n: number) {
  const p = (q: number) => percentile(m.ms, q).toFixed(1);
  const p99 = percentile(m.ms, 99);
  return (
    `  a new day's 12 months [D-364, D] with the cursor of [D-365, D-1], ${what}, v=2 p50 / p99 (${n}): ${p(50)} / ${p(99)} ms ` +
    `(${(p99 / percentile(full, 99)).toFixed(3)}x the full answer's p99; ${m.rows} rows answered, median; target p99 < 100: ${p99 < 100 ? 'met' : 'missed'})\n`
  );
}

/**
 * The first request of a new day (since=<cursor of the day before's range> for `query`), `n`
 * times: with `sync` null the same cursor each time; else each round reads the day before's
 * range for a fresh cursor and runs `sync(i)` (neither timed). Checks each answer is incremental.
 */
async function measureMoved(
  get: (query: string) => Promise<{ body: { rows: unknown[] } }>,
  before: string,
  query: string,
  n: number,
  sync: ((i: number) => Promise<void>) | null,
): Promise<{ ms: number[]; rows: number }> {
  type Answer = { body: { rows: unknown[]; cursor?: string; complete?: boolean } };
  const cursorOf = async () => ((await get(before)) as Answer).body.cursor ?? '';
  const ask = async (cursor: string): Promise<Answer> => {
    const a = (await get(`${query}&since=${cursor}`)) as Answer;
    if (a.body.complete !== false) throw new Error('since of the day before: a complete answer');
    return a;
  };
  const fixed = sync === null ? await cursorOf() : '';
  if (sync === null) await timeIt(3, () => ask(fixed));
  const ms: number[] = [];
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    const cursor = sync === null ? fixed : await cursorOf();
    if (sync !== null) await sync(i);
    const t = performance.now();
    const a = await ask(cursor);
    ms.push(performance.now() - t);
    rows.push(a.body.rows.length);
  }
  log(
    `a new day: ${n} requests with the cursor of the day before${sync ? ', after a synced day' : ''}`,
  );
  return { ms, rows: percentile(rows, 50) };
}

/**
 * Retention's prune of the change log (pruneSummaryChanges, once an hour in retention's
 * transaction) at study scale: BENCH_PRUNE_DEVICES (10,000) devices with a row for each of 400
 * days, stored directly (the log's rows, not visits). Timed: the first run of a day (it drops the
 * oldest day's row of every device) and the other runs of that day (nothing to drop), beside a
 * sequential count of the same table in the same run: the prune reads the whole log each time.
 */
async function measurePrune(pool: import('pg').Pool, today: number): Promise<string> {
  const devices = num('BENCH_PRUNE_DEVICES', 10_000);
  const days = 400;
  const first = new Date(today - (days - 1) * DAY).toISOString().slice(0, 10);
  const t0 = performance.now();
  await pool.query(
    `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os)
     SELECT gen_random_uuid(), '\\x00', 'bench', 'chrome', '1', 'linux'
       FROM generate_series(1, $1)`,
    [devices],
  );
  await pool.query(
    `INSERT INTO summary_changes (device_id, day, xid)
     SELECT d.id, $1::date + g, '1'::xid8
       FROM devices d CROSS JOIN generate_series(0, $2 - 1) g
      WHERE d.extension_version = 'bench'
     ON CONFLICT DO NOTHING`,
    [first, days],
  );
  await pool.query('VACUUM ANALYZE summary_changes');
  const rows = Number(
    (await pool.query<{ n: string }>('SELECT count(*) AS n FROM summary_changes')).rows[0]?.n,
  );
  log(`prune: ${rows} change-log rows stored in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const inTx = async (before: string): Promise<{ ms: number; deleted: number }> => {
    const client = await pool.connect();
    try {
      const t = performance.now();
      await client.query('BEGIN');
      const deleted = await pruneSummaryChanges(client, before);
      await client.query('COMMIT');
      return { ms: performance.now() - t, deleted };
    } finally {
      client.release();
    }
  };
  const firstOfDay: number[] = [];
  const rest: number[] = [];
  const scan: number[] = [];
  let deleted = 0;
  for (let i = 1; i <= 5; i++) {
    const before = new Date(Date.parse(first) + i * DAY).toISOString().slice(0, 10);
    const run = await inTx(before);
    firstOfDay.push(run.ms);
    deleted = run.deleted;
    rest.push((await inTx(before)).ms);
    scan.push(...(await timeIt(1, () => pool.query('SELECT count(*) FROM summary_changes'))));
  }
  const p = (xs: number[]) => `${percentile(xs, 50).toFixed(1)} / ${Math.max(...xs).toFixed(1)}`;
  const ratio = (xs: number[]) => (percentile(xs, 50) / percentile(scan, 50)).toFixed(2);
  return (
    `  retention's prune of the change log, ${rows} rows (${devices} devices x ${days} days), median / max of 5 ms: ` +
    `a day's first (${deleted} rows dropped) ${p(firstOfDay)} (${ratio(firstOfDay)}x a count of the table, ${p(scan)}); ` +
    `the day's later runs (none dropped) ${p(rest)} (${ratio(rest)}x)\n`
  );
}
