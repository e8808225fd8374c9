/**
 * `npm run bench` (tsx bench/run.ts): ingest pipeline benchmark (issue 7).
 *
 * Per round, on one private PostgreSQL 15 cluster (fsync/synchronous_commit at their defaults):
 *  1. Kafka mode: API process -> librdkafka mock cluster -> consumer process -> PostgreSQL.
 *  2. Embedded mode: API process writing to PostgreSQL directly.
 *  3. Ceiling: the same rows COPYed straight into the same table definition by two `psql \copy`
 *     processes at once; second reference: INSERT ... SELECT FROM unnest in 5000-row chunks on
 *     two connections.
 *  4. Ingest API alone (Kafka producer acknowledging, no consumer), 100-event batches.
 *  6. Peak RSS (VmHWM) of the API and consumer processes.
 *  7. Small requests (bench/small-requests.ts): 1 and 100 events per request from 32 autocannon
 *     connections, end to end, Tracksphere's Kafka mode against the simplest pipeline
 *     (bench/reference.ts) in the same round.
 * Every figure printed is the median over BENCH_ROUNDS rounds; ratios are taken within a round.
 *
 * Environment: BENCH_ROUNDS (3), BENCH_EVENTS (500000; 50000 with BENCH_QUICK=1),
 * BENCH_CONCURRENCY (8), BENCH_INGEST_CONCURRENCY (16), BENCH_PARTITIONS (96),
 * BENCH_DEVICES (400), BENCH_LATENCY_SECONDS (12; 5 quick), BENCH_INGEST_SECONDS (8; 4 quick),
 * BENCH_PARTITIONS_CONCURRENCY (both pipelines' KAFKA_PARTITIONS_CONCURRENCY, 16), BENCH_API_PROCESSES
 * (API processes in the pipeline phases, requests round-robin over them, as nginx over replicas; 1),
 * BENCH_PG_POOL_SIZE (PG_POOL_SIZE, 10), BENCH_LOG_LEVEL (info), BENCH_SMALL_SECONDS (20; 8 quick),
 * BENCH_SMALL_CONNECTIONS (32), BENCH_SMALL_PIPELINES (reference,tracksphere), BENCH_SERVER
 * (compiled: the API, consumer and reference run as esbuild bundles under node, as production
 * runs them; tsx: their TypeScript through tsx), BENCH_ONLY (comma
 * list of kafka,embedded,copy,ingest,small; `soak` = bench/soak.ts, 10+ min, only when named:
 * `BENCH_ONLY=soak npm run bench`; `extension` = bench/extension.ts, the extension in Chromium,
 * BENCH_EXT_* there; `startup` = bench/startup.ts, the API's start time and peak RSS under tsx
 * and compiled, only when named, BENCH_STARTUP_* there; `dashboards` = bench/dashboards.ts, every
 * panel's SQL on 3M visits, only when named, BENCH_DASHBOARD_* there), BENCH_CPU_PROF=1 (CPU profile of API
 * and consumer via bench/cpu-prof.mjs; profiles under bench-output/profiles/, summarise with
 * `tsx bench/profile.ts <dir>`).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { buildServer, nodeFlagsOf } from '../scripts/build-server.js';
import { registerDevice } from '../test/harness/client.js';
import { type MockKafka, startMockKafka } from '../test/harness/kafka-mock.js';
import { type PgCluster, startPgCluster } from '../test/harness/postgres.js';
import { type ServerProcess, spawnEntryPoint, spawnNode } from '../test/harness/process.js';
import { kafkaEnv, prepareDatabase, testKafkaSettings } from '../test/harness/server.js';
import { extensionTableLines, runExtensionBench, writeExtensionOnly } from './extension.js';
import {
  checkAccepted,
  closedLoop,
  cpuSecondsOf,
  deviceAssigner,
  gzipBatch,
  machineBusySeconds,
  makeAgent,
  makeEvent,
  median,
  memoryOf,
  type PreparedBatch,
  percentile,
  postBatch,
  prepareBatches,
  sleep,
} from './lib.js';
import { type SmallResult, smallRequests } from './small-requests.js';

const execFileAsync = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'bench-output');

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

const QUICK = process.env.BENCH_QUICK === '1';
const CFG = {
  quick: QUICK,
  rounds: intEnv('BENCH_ROUNDS', 3),
  events: intEnv('BENCH_EVENTS', QUICK ? 50_000 : 500_000),
  concurrency: intEnv('BENCH_CONCURRENCY', 8),
  ingestConcurrency: intEnv('BENCH_INGEST_CONCURRENCY', 16),
  partitions: intEnv('BENCH_PARTITIONS', 96),
  devices: intEnv('BENCH_DEVICES', 400),
  latencyRate: 2_000,
  latencyBatch: 100,
  latencySeconds: intEnv('BENCH_LATENCY_SECONDS', QUICK ? 5 : 12),
  ingestSeconds: intEnv('BENCH_INGEST_SECONDS', QUICK ? 4 : 8),
  partitionsConcurrency: intEnv('BENCH_PARTITIONS_CONCURRENCY', 16), // the server's default
  apiProcesses: intEnv('BENCH_API_PROCESSES', 1),
  pgPoolSize: intEnv('BENCH_PG_POOL_SIZE', 10),
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
  cpuProf: process.env.BENCH_CPU_PROF === '1',
  // As production runs it (npm run build:server); BENCH_SERVER=tsx runs the TypeScript.
  server: process.env.BENCH_SERVER === 'tsx' ? 'tsx' : 'compiled',
  smallSeconds: intEnv('BENCH_SMALL_SECONDS', QUICK ? 8 : 20),
  smallConnections: intEnv('BENCH_SMALL_CONNECTIONS', 32),
  only: (process.env.BENCH_ONLY ?? 'kafka,embedded,copy,ingest,small,extension')
    .split(',')
    .map((s) => s.trim()),
};
const TOPIC = 'visits.v1';
const HIGH = '1000000000';

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

// ------------------------------------------------------------------ processes

function profileEnv(tag: string): Record<string, string> {
  if (!CFG.cpuProf) return {};
  // Node 20 refuses --cpu-prof in NODE_OPTIONS; a preload using the inspector does the same.
  const preload = join(ROOT, 'bench', 'cpu-prof.mjs');
  return {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${preload}`.trim(),
    BENCH_CPU_PROF_DIR: join(OUT_DIR, 'profiles', tag),
  };
}

const monoUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** Marks the measured window (monotonic µs, the clock V8 profiles use) for bench/profile.ts. */
async function markWindow(tags: string[], startUs: number, endUs: number): Promise<void> {
  if (!CFG.cpuProf) return;
  for (const tag of tags) {
    const dir = join(OUT_DIR, 'profiles', tag);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'window.json'), JSON.stringify({ startUs, endUs }));
  }
}

/** The compiled bundles (CFG.server 'compiled'), built once per run by buildBundles(). */
let bundleDir: string | null = null;
/** BENCH_SMALL_BEFORE's bundles (its commit's server, built from `git archive`). */
let beforeDir: string | null = null;
const tempDirs: string[] = [];

const esbuildCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20.12',
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  packages: 'external',
  logLevel: 'warning',
} as const;

/** The server and bench/reference.ts as JavaScript, beside node_modules (they import from it). */
async function buildBundles(): Promise<void> {
  await mkdir(OUT_DIR, { recursive: true });
  const before = process.env.BENCH_SMALL_BEFORE;
  if (before !== undefined && beforeDir === null) {
    // The old tree beside node_modules (a link), so its bundles import the same packages.
    const src = await mkdtemp(join(OUT_DIR, 'before-src-'));
    tempDirs.push(src);
    const paths = 'server protocol package.json tsconfig.base.json';
    await execFileAsync(
      'sh',
      ['-c', `git archive "$2" ${paths} | tar -x -C "$1"`, 'sh', src, before],
      {
        cwd: ROOT,
      },
    );
    await symlink(join(ROOT, 'node_modules'), join(src, 'node_modules'));
    log(`building the server bundles of ${before}`);
    await buildServer(join(src, 'dist'), src);
    beforeDir = join(src, 'dist');
    await noteNodeFlags(beforeDir, src);
  }
  if (CFG.server !== 'compiled' || bundleDir !== null) return;
  const dir = await mkdtemp(join(OUT_DIR, 'server-dist-'));
  tempDirs.push(dir);
  bundleDir = dir;
  log(`building the server bundles in ${dir}`);
  await buildServer(dir);
  await noteNodeFlags(dir, ROOT);
  await build({
    ...esbuildCommon,
    absWorkingDir: ROOT,
    entryPoints: [{ in: 'bench/reference.ts', out: 'reference' }],
    outdir: dir,
  });
}

/** Each bundle's node options (by its path), as its tree's package.json starts it in production. */
const nodeFlags = new Map<string, string[]>();

async function noteNodeFlags(dir: string, root: string): Promise<void> {
  for (const entry of ['api', 'consumer'] as const) {
    const flags = await nodeFlagsOf(`${entry}.mjs`, root);
    if (flags !== null) nodeFlags.set(join(dir, `${entry}.mjs`), flags);
  }
}

const ENTRY_SOURCES = {
  api: 'server/src/entry-points/api/main.ts',
  consumer: 'server/src/entry-points/consumer/main.ts',
  reference: 'bench/reference.ts',
} as const;

/**
 * An entry point as CFG.server says: its bundle under node, or its TypeScript under tsx;
 * `before`: BENCH_SMALL_BEFORE's bundle.
 */
function spawnServer(
  entry: keyof typeof ENTRY_SOURCES,
  env: Record<string, string>,
  before = false,
): ServerProcess {
  const dir = before ? beforeDir : bundleDir;
  if (dir === null) return spawnEntryPoint(ENTRY_SOURCES[entry], env);
  const bundle = join(dir, `${entry}.mjs`);
  // The reference is no production entry point: it runs as its users would start it.
  const flags = nodeFlags.get(bundle) ?? ['--enable-source-maps'];
  return spawnNode(`${entry}.mjs`, [...flags, bundle], env);
}

async function startApi(
  env: Record<string, string>,
  before = false,
): Promise<{ proc: ServerProcess; url: string }> {
  const proc = spawnServer(
    'api',
    {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: CFG.logLevel,
      RATE_LIMIT_DEVICE_PER_MINUTE: HIGH,
      RATE_LIMIT_IP_PER_MINUTE: HIGH,
      // Many devices, many rows each: no storage quota or registration cap in the way.
      QUOTA_ROWS_PER_DEVICE_DAY: HIGH,
      QUOTA_BYTES_PER_DEVICE_DAY: HIGH,
      REGISTRATIONS_PER_DAY: HIGH,
      PG_POOL_SIZE: String(CFG.pgPoolSize),
      ...env,
    },
    before,
  );
  await proc.waitForOutput(/ingest API ready/, 60_000);
  const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/api\/v1"/.exec(proc.output());
  if (m === null) throw new Error(`no API url in output:\n${proc.output().slice(-2000)}`);
  return { proc, url: m[1] as string };
}

async function startConsumer(env: Record<string, string>, before = false): Promise<ServerProcess> {
  const proc = spawnServer(
    'consumer',
    {
      HOST: '127.0.0.1',
      CONSUMER_PORT: '0',
      LOG_LEVEL: CFG.logLevel,
      KAFKA_PARTITIONS_CONCURRENCY: String(CFG.partitionsConcurrency),
      PG_POOL_SIZE: String(CFG.pgPoolSize),
      ...env,
    },
    before,
  );
  await proc.waitForOutput(/consumer running/, 60_000);
  return proc;
}

async function stopProcess(proc: ServerProcess | undefined): Promise<void> {
  if (proc === undefined) return;
  const killed = proc.kill('SIGTERM');
  const late = await Promise.race([killed.then(() => false), sleep(20_000).then(() => true)]);
  if (late) await proc.kill('SIGKILL');
}

async function registerDevices(
  url: string,
  n: number,
): Promise<Array<{ deviceId: string; token: string }>> {
  const out: Array<{ deviceId: string; token: string }> = [];
  for (let i = 0; i < n; i += 8) {
    const chunk = await Promise.all(
      Array.from({ length: Math.min(8, n - i) }, () => registerDevice(url)),
    );
    out.push(...chunk);
  }
  return out;
}

/**
 * Which device sends each batch. Kafka mode: spread events evenly over the partitions (the mock
 * keeps only ~5 MiB per partition), so batches go to the least-loaded partition that has a
 * device. Embedded mode uses the same assignment (it does not matter there).
 */
function assignDevices(
  batches: PreparedBatch[],
  devices: Array<{ deviceId: string; token: string }>,
): { tokens: string[]; partitionsUsed: number } {
  const assigner = deviceAssigner(devices, TOPIC, CFG.partitions);
  const tokens = batches.map((b) => assigner.next(b.events.length));
  return { tokens, partitionsUsed: assigner.partitionsUsed };
}

// ------------------------------------------------------------------ database probes

/**
 * Every bench event starts less than ~13 minutes before it is made (bench/lib.ts makeEvent),
 * and all are made after this module loads: the probes name this range so that PostgreSQL
 * looks only in the partitions that hold it. Without it each probe searched every monthly
 * partition's primary key, and the probes took a third of PostgreSQL's CPU in the Kafka
 * pipeline's window (pg_stat_statements: 3.4 s of 10.2 s), charged to the pipeline.
 */
const PROBE_FROM = new Date(Date.now() - 20 * 60_000);

async function visibleIds(pool: pg.Pool, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const r = await pool.query<{ id: string }>(
    'SELECT id FROM visits WHERE id = ANY($1::uuid[]) AND started_at >= $2 AND started_at <= now()',
    [ids, PROBE_FROM],
  );
  return new Set(r.rows.map((row) => row.id));
}

async function countRows(pool: pg.Pool): Promise<number> {
  const r = await pool.query<{ n: string }>('SELECT count(*) AS n FROM visits');
  return Number(r.rows[0]?.n);
}

/** CPU seconds used so far by this cluster's server processes (backends and auxiliaries). */
async function pgCpuSeconds(pool: pg.Pool): Promise<Map<number, number>> {
  const r = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity');
  const out = new Map<number, number>();
  for (const { pid } of r.rows) out.set(pid, await cpuSecondsOf(pid));
  return out;
}

function pgCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, t] of after) {
    if (Number.isFinite(t)) total += t - (before.get(pid) ?? 0);
  }
  return total;
}

async function lowWatermarks(brokers: string[]): Promise<number[]> {
  const kafka = new Kafka({ clientId: 'bench-admin', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(TOPIC);
    return offsets.map((o) => Number(o.low));
  } finally {
    await admin.disconnect();
  }
}

// ------------------------------------------------------------------ phases

interface LatencyResult {
  batches: number;
  events: number;
  p50: number;
  p99: number;
  max: number;
  missing: number;
  ackP99: number;
  serverP50: number;
  serverP99: number;
}

/**
 * Open loop at CFG.latencyRate events/s: one 100-event batch every 50 ms, whatever the answers.
 * For each 2xx, the time from the 2xx arriving to the batch's last event being visible to a
 * separate PostgreSQL connection (polled every ~20 ms by id; resolution ~20 ms + query time).
 * Also the server-side written_at - received_at (transaction start in the writer minus the
 * API's receive time) over the same rows.
 */
async function latencyPhase(
  urls: string[],
  tokens: string[],
  pool: pg.Pool,
): Promise<LatencyResult> {
  const intervalMs = (1000 * CFG.latencyBatch) / CFG.latencyRate;
  const count = Math.round((CFG.latencySeconds * 1000) / intervalMs);
  const bodies = Array.from({ length: count }, () => {
    const events = Array.from({ length: CFG.latencyBatch }, () => makeEvent());
    return { body: gzipBatch(events), lastId: (events.at(-1) as { id: string }).id };
  });
  const agent = makeAgent(64);
  const pending = new Map<string, number>(); // id -> 2xx time
  const latencies: number[] = [];
  const acks: number[] = [];
  const dbStart = (await pool.query<{ t: Date }>('SELECT now() AS t')).rows[0]?.t as Date;
  let sendingDone = false;
  const errors: string[] = [];

  const poller = (async (): Promise<void> => {
    const hardStop = performance.now() + CFG.latencySeconds * 1000 + 60_000;
    while (performance.now() < hardStop && (!sendingDone || pending.size > 0)) {
      const startedAt = performance.now();
      const ids = [...pending.keys()];
      const seen = await visibleIds(pool, ids);
      for (const id of seen) {
        const ackAt = pending.get(id) as number;
        latencies.push(Math.max(0, startedAt - ackAt));
        pending.delete(id);
      }
      await sleep(Math.max(0, 20 - (performance.now() - startedAt)));
    }
  })();

  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  for (let k = 0; k < count; k++) {
    const wait = t0 + k * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    const b = bodies[k] as { body: Buffer; lastId: string };
    inflight.push(
      postBatch(
        agent,
        urls[k % urls.length] as string,
        tokens[k % tokens.length] as string,
        b.body,
      ).then(
        (r) => {
          if (r.status !== 200) {
            errors.push(`${r.status} ${r.body.slice(0, 200)}`);
            return;
          }
          acks.push(r.doneAt - r.sentAt);
          pending.set(b.lastId, r.doneAt);
        },
        (e: Error) => {
          errors.push(e.message);
        },
      ),
    );
  }
  await Promise.all(inflight);
  sendingDone = true;
  await poller;
  agent.destroy();
  if (errors.length > 0) log(`latency phase: ${errors.length} failed requests, e.g. ${errors[0]}`);
  const server = await pool.query<{ p50: number; p99: number }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d) * 1000 AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY d) * 1000 AS p99
       FROM (SELECT extract(epoch FROM written_at - received_at)::float8 AS d
               FROM visits WHERE received_at >= $1) s`,
    [dbStart],
  );
  return {
    batches: count,
    events: acks.length * CFG.latencyBatch,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
    missing: pending.size + errors.length,
    ackP99: percentile(acks, 99),
    serverP50: Number(server.rows[0]?.p50),
    serverP99: Number(server.rows[0]?.p99),
  };
}

interface ThroughputResult {
  events: number;
  seconds: number;
  eventsPerSec: number;
  acceptedPerSec: number;
  reqP99: number;
}

/** All prepared batches, closed loop; from the first send to the last row visible. */
async function throughputPhase(
  urls: string[],
  batches: PreparedBatch[],
  tokens: string[],
  pool: pg.Pool,
  expectedTotal: number,
): Promise<ThroughputResult> {
  const agent = makeAgent(CFG.concurrency);
  const acked: string[] = [];
  const t0 = performance.now();
  let lastAck = t0;
  const timeoutMs = Math.max(180_000, CFG.events / 2);
  const sending = closedLoop({
    jobs: batches.length,
    concurrency: CFG.concurrency,
    deadlineMs: timeoutMs,
    run: async (i) => {
      const b = batches[i] as PreparedBatch;
      // Round robin over the API processes, as nginx does over replicas.
      const r = await postBatch(
        agent,
        urls[i % urls.length] as string,
        tokens[i] as string,
        b.body,
      );
      checkAccepted(r, b.events.length);
      acked.push((b.events.at(-1) as { id: string }).id);
      lastAck = r.doneAt;
      return r.doneAt - r.sentAt;
    },
  });
  // While sending, probe the last id of each acknowledged batch (cheap index lookups) rather
  // than count(*), which would steal a core from the pipeline; then one exact count.
  let sendDone = false;
  const sent = sending.finally(() => {
    sendDone = true;
  });
  const outstanding = new Set<string>();
  let taken = 0;
  let tEnd = Number.NaN;
  const deadline = t0 + timeoutMs + 120_000;
  while (performance.now() < deadline) {
    const probeAt = performance.now();
    while (taken < acked.length) outstanding.add(acked[taken++] as string);
    if (sendDone && outstanding.size === 0 && taken === batches.length) {
      // At least: a latency-phase request the client gave up on (timed out) may still be stored.
      if ((await countRows(pool)) >= expectedTotal) {
        tEnd = probeAt;
        break;
      }
    } else {
      for (const id of await visibleIds(pool, [...outstanding])) outstanding.delete(id);
      if (sendDone && outstanding.size === 0 && taken === batches.length) continue;
    }
    await sleep(Math.max(0, 100 - (performance.now() - probeAt)));
  }
  const { latencies, done } = await sent;
  agent.destroy();
  if (done !== batches.length) throw new Error(`sent only ${done} of ${batches.length} batches`);
  if (Number.isNaN(tEnd)) {
    throw new Error(`rows never complete: ${await countRows(pool)} of ${expectedTotal}`);
  }
  const seconds = (tEnd - t0) / 1000;
  return {
    events: CFG.events,
    seconds,
    eventsPerSec: CFG.events / seconds,
    acceptedPerSec: CFG.events / ((lastAck - t0) / 1000),
    reqP99: percentile(latencies, 99),
  };
}

async function waitVisible(pool: pg.Pool, id: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await visibleIds(pool, [id])).size === 1) return;
    await sleep(50);
  }
  throw new Error(`warm-up event ${id} not visible after ${timeoutMs} ms`);
}

// ------------------------------------------------------------------ scenarios

interface PipelineResult {
  mode: 'kafka' | 'embedded';
  throughput: ThroughputResult;
  latency: LatencyResult;
  apiPeakMiB: number;
  consumerPeakMiB: number;
  /** CPU milliseconds the process used per 1000 events during the throughput phase. */
  apiCpuMsPer1k: number;
  consumerCpuMsPer1k: number;
  /** The same for all PostgreSQL server processes (backends started mid-phase: all their CPU). */
  pgCpuMsPer1k: number;
  /** The same for this load-generating process (it shares the 2 cores). */
  benchCpuMsPer1k: number;
  /** The same for the Kafka mock cluster's process (Kafka mode). */
  mockCpuMsPer1k: number | null;
  /** Busy CPU of the whole machine per 1000 events: every process of the phase together. */
  machineCpuMsPer1k: number;
  partitionsUsed: number;
  lowWatermarksZero: boolean | null;
}

async function withPool<T>(url: string, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {});
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

async function dropDatabase(cluster: PgCluster, url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  await withPool(cluster.url('postgres'), (p) => p.query(`DROP DATABASE "${name}" WITH (FORCE)`));
}

async function pipeline(
  cluster: PgCluster,
  mode: 'kafka' | 'embedded',
  batches: PreparedBatch[],
  round: number,
): Promise<PipelineResult> {
  const databaseUrl = await cluster.createDatabase(`bench_${mode}`);
  await prepareDatabase(databaseUrl);
  let mock: MockKafka | undefined;
  const apis: ServerProcess[] = [];
  let consumer: ServerProcess | undefined;
  try {
    let env: Record<string, string> = { DATABASE_URL: databaseUrl };
    if (mode === 'kafka') {
      mock = await startMockKafka({
        topics: [
          { name: TOPIC, partitions: CFG.partitions },
          { name: `${TOPIC}.dlq`, partitions: 1 },
        ],
      });
      env = { ...env, ...kafkaEnv(testKafkaSettings(mock.brokers, TOPIC)) };
    }
    const urls: string[] = [];
    for (let i = 0; i < CFG.apiProcesses; i++) {
      const tag = `${mode}-api${i === 0 ? '' : i + 1}-r${round}`;
      const started = await startApi({ ...env, ...profileEnv(tag) });
      apis.push(started.proc);
      urls.push(started.url);
    }
    const url = urls[0] as string;
    const devices = await registerDevices(url, CFG.devices);
    const { tokens, partitionsUsed } = assignDevices(batches, devices);
    if (mode === 'kafka') {
      consumer = await startConsumer({ ...env, ...profileEnv(`${mode}-consumer-r${round}`) });
    }
    return await withPool(databaseUrl, async (pool) => {
      // Warm-up: one batch end to end (also waits out the consumer group's first join).
      const warm = Array.from({ length: 100 }, () => makeEvent());
      const agent = makeAgent(1);
      checkAccepted(await postBatch(agent, url, tokens[0] as string, gzipBatch(warm)), 100);
      agent.destroy();
      await waitVisible(pool, (warm.at(-1) as { id: string }).id, 60_000);

      log(`${mode} r${round}: latency phase (${CFG.latencySeconds} s at ${CFG.latencyRate}/s)`);
      const latency = await latencyPhase(urls, tokens, pool);
      const before = await countRows(pool);
      log(`${mode} r${round}: throughput phase (${CFG.events} events)`);
      const windowStart = monoUs();
      const apisCpu = async (): Promise<number> => {
        let total = 0;
        for (const a of apis) total += await cpuSecondsOf(a.proc.pid);
        return total;
      };
      const cpuBefore = [
        await apisCpu(),
        await cpuSecondsOf(consumer?.proc.pid),
        await cpuSecondsOf(mock?.pid),
      ];
      const pgBefore = await pgCpuSeconds(pool);
      const benchBefore = process.cpuUsage();
      const machineBefore = await machineBusySeconds();
      const throughput = await throughputPhase(urls, batches, tokens, pool, before + CFG.events);
      const machineCpu = (await machineBusySeconds()) - machineBefore;
      const cpuAfter = [
        await apisCpu(),
        await cpuSecondsOf(consumer?.proc.pid),
        await cpuSecondsOf(mock?.pid),
      ];
      const pgCpu = pgCpuDelta(pgBefore, await pgCpuSeconds(pool));
      const benchCpu = process.cpuUsage(benchBefore);
      const per1k = (i: number): number =>
        ((1000 * ((cpuAfter[i] ?? Number.NaN) - (cpuBefore[i] ?? Number.NaN))) / CFG.events) * 1000;
      await markWindow(
        [
          ...apis.map((_, i) => `${mode}-api${i === 0 ? '' : i + 1}-r${round}`),
          `${mode}-consumer-r${round}`,
        ],
        windowStart,
        monoUs(),
      );
      // Per process (the RSS target is per process): the largest of the API processes.
      let apiPeak = 0;
      for (const a of apis) apiPeak = Math.max(apiPeak, (await memoryOf(a.proc.pid)).hwm);
      const consumerMem = await memoryOf(consumer?.proc.pid);
      let lowWatermarksZero: boolean | null = null;
      if (mock !== undefined) {
        lowWatermarksZero = (await lowWatermarks(mock.brokers)).every((low) => low === 0);
      }
      return {
        mode,
        throughput,
        latency,
        apiPeakMiB: apiPeak,
        consumerPeakMiB: consumerMem.hwm,
        apiCpuMsPer1k: per1k(0),
        consumerCpuMsPer1k: per1k(1),
        pgCpuMsPer1k: (1000 * pgCpu * 1000) / CFG.events,
        benchCpuMsPer1k: ((benchCpu.user + benchCpu.system) / 1000 / CFG.events) * 1000,
        mockCpuMsPer1k: mock === undefined ? null : per1k(2),
        machineCpuMsPer1k: (1000 * machineCpu * 1000) / CFG.events,
        partitionsUsed,
        lowWatermarksZero,
      };
    });
  } finally {
    await stopProcess(consumer);
    await Promise.all(apis.map((a) => stopProcess(a)));
    await mock?.stop();
    await dropDatabase(cluster, databaseUrl).catch((e: Error) => log(`drop failed: ${e.message}`));
  }
}

const COLUMNS = [
  'id',
  'started_at',
  'ended_at',
  'device_id',
  'session_id',
  'batch_id',
  'url',
  'domain',
  'title',
  'active_ms',
  'transition',
  'started_at_corrected',
  'ended_at_corrected',
  'clock_skew_ms',
  'received_at',
  'browser_name',
  'browser_version',
  'os_name',
  'os_version',
  'device_type',
] as const;

type Row = Array<string | number | null>;

/** The rows the pipeline would store for the prepared batches (one device id per batch). */
function rowsOf(batches: PreparedBatch[]): Row[] {
  const receivedAt = new Date().toISOString();
  const rows: Row[] = [];
  batches.forEach((b, i) => {
    const deviceId = `00000000-0000-7000-8000-${String(i % CFG.devices).padStart(12, '0')}`;
    const batchId = `00000000-0000-7000-9000-${String(i).padStart(12, '0')}`;
    for (const e of b.events) {
      rows.push([
        e.id,
        e.startedAt,
        e.endedAt,
        deviceId,
        e.sessionId,
        batchId,
        e.url,
        e.domain,
        e.title,
        e.activeMs,
        e.transition,
        e.startedAt,
        e.endedAt,
        0,
        receivedAt,
        'Firefox',
        '128.0',
        'Linux',
        null,
        null,
      ]);
    }
  });
  return rows;
}

function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s;
}

interface CeilingResult {
  copyPerSec: number;
  unnestPerSec: number;
  /** Busy CPU of the whole machine per 1000 rows during the COPY (psql and PostgreSQL). */
  copyMachineCpuMsPer1k: number;
}

/** COPY of the same rows by two `psql \copy` processes at once; then INSERT...unnest x2. */
async function ceiling(cluster: PgCluster, rows: Row[], round: number): Promise<CeilingResult> {
  const databaseUrl = await cluster.createDatabase('bench_copy');
  await prepareDatabase(databaseUrl);
  let files: string[] = [];
  try {
    const dir = join(OUT_DIR, 'tmp');
    await mkdir(dir, { recursive: true });
    const half = Math.ceil(rows.length / 2);
    const parts = [rows.slice(0, half), rows.slice(half)];
    files = await Promise.all(
      parts.map(async (part, i) => {
        const file = join(dir, `rows-${process.pid}-${i}.csv`);
        await writeFile(file, `${part.map((r) => r.map(csvField).join(',')).join('\n')}\n`);
        return file;
      }),
    );
    log(`copy r${round}: 2 x psql \\copy of ${rows.length} rows`);
    const machineBefore = await machineBusySeconds();
    const t0 = performance.now();
    await Promise.all(
      files.map((file) =>
        execFileAsync(
          'psql',
          [
            databaseUrl,
            '-v',
            'ON_ERROR_STOP=1',
            '-qc',
            `\\copy visits (${COLUMNS.join(', ')}) FROM '${file}' WITH (FORMAT csv)`,
          ],
          { timeout: 300_000 },
        ),
      ),
    );
    const copySeconds = (performance.now() - t0) / 1000;
    const copyMachineCpu = (await machineBusySeconds()) - machineBefore;
    const copied = await withPool(databaseUrl, countRows);
    if (copied !== rows.length) throw new Error(`COPY stored ${copied} of ${rows.length}`);

    await withPool(databaseUrl, (p) => p.query('TRUNCATE visits'));
    await withPool(databaseUrl, (p) => p.query('CHECKPOINT'));
    log(`copy r${round}: 2 connections x INSERT ... unnest, 5000-row chunks`);
    const t1 = performance.now();
    await Promise.all(
      parts.map(async (part) => {
        const client = new pg.Client({ connectionString: databaseUrl });
        client.on('error', () => {});
        await client.connect();
        try {
          for (let i = 0; i < part.length; i += 5000) {
            const chunk = part.slice(i, i + 5000);
            const cols = COLUMNS.map((_, c) => chunk.map((r) => r[c]));
            await client.query(
              `INSERT INTO visits (${COLUMNS.join(', ')})
               SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::uuid[],
                 $5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::bigint[],
                 $11::text[], $12::timestamptz[], $13::timestamptz[], $14::bigint[],
                 $15::timestamptz[], $16::text[], $17::text[], $18::text[], $19::text[],
                 $20::text[])
               ON CONFLICT DO NOTHING`,
              cols,
            );
          }
        } finally {
          await client.end();
        }
      }),
    );
    const unnestSeconds = (performance.now() - t1) / 1000;
    const inserted = await withPool(databaseUrl, countRows);
    if (inserted !== rows.length) throw new Error(`unnest stored ${inserted} of ${rows.length}`);
    return {
      copyPerSec: rows.length / copySeconds,
      unnestPerSec: rows.length / unnestSeconds,
      copyMachineCpuMsPer1k: (1000 * copyMachineCpu * 1000) / rows.length,
    };
  } finally {
    await Promise.all(files.map((f) => rm(f, { force: true })));
    await dropDatabase(cluster, databaseUrl).catch((e: Error) => log(`drop failed: ${e.message}`));
  }
}

interface IngestResult {
  requestsPerSec: number;
  eventsPerSec: number;
  p50: number;
  p99: number;
  apiPeakMiB: number;
}

/** The API alone in Kafka mode (producer acks=all, no consumer), 100-event batches. */
async function ingestOnly(cluster: PgCluster, round: number): Promise<IngestResult> {
  const databaseUrl = await cluster.createDatabase('bench_ingest');
  await prepareDatabase(databaseUrl);
  const mock = await startMockKafka({
    topics: [
      { name: TOPIC, partitions: CFG.partitions },
      { name: `${TOPIC}.dlq`, partitions: 1 },
    ],
  });
  let api: ServerProcess | undefined;
  try {
    const started = await startApi({
      DATABASE_URL: databaseUrl,
      ...kafkaEnv(testKafkaSettings(mock.brokers, TOPIC)),
      ...profileEnv(`ingest-api-r${round}`),
    });
    api = started.proc;
    const devices = await registerDevices(started.url, 64);
    const bodies = Array.from({ length: 256 }, () =>
      gzipBatch(Array.from({ length: 100 }, () => makeEvent())),
    );
    const agent = makeAgent(CFG.ingestConcurrency);
    const run = async (i: number): Promise<number> => {
      const r = await postBatch(
        agent,
        started.url,
        (devices[i % devices.length] as { token: string }).token,
        bodies[i % bodies.length] as Buffer,
      );
      checkAccepted(r, 100);
      return r.doneAt - r.sentAt;
    };
    // Warm-up (JIT, connections), not measured.
    await closedLoop({
      jobs: 1_000_000,
      concurrency: CFG.ingestConcurrency,
      deadlineMs: 2_000,
      run,
    });
    log(`ingest r${round}: ${CFG.ingestSeconds} s at concurrency ${CFG.ingestConcurrency}`);
    const t0 = performance.now();
    const windowStart = monoUs();
    const { latencies, done } = await closedLoop({
      jobs: 10_000_000,
      concurrency: CFG.ingestConcurrency,
      deadlineMs: CFG.ingestSeconds * 1000,
      run,
    });
    const seconds = (performance.now() - t0) / 1000;
    await markWindow([`ingest-api-r${round}`], windowStart, monoUs());
    agent.destroy();
    const mem = await memoryOf(api.proc.pid);
    return {
      requestsPerSec: done / seconds,
      eventsPerSec: (done * 100) / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      apiPeakMiB: mem.hwm,
    };
  } finally {
    await stopProcess(api);
    await mock.stop();
    await dropDatabase(cluster, databaseUrl).catch((e: Error) => log(`drop failed: ${e.message}`));
  }
}

// ------------------------------------------------------------------ report

interface Round {
  small?: SmallResult;
  kafka?: PipelineResult;
  embedded?: PipelineResult;
  ceiling?: CeilingResult;
  ingest?: IngestResult;
}

function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

function report(rounds: Round[]): { lines: string[]; summary: Record<string, number> } {
  const m = (f: (r: Round) => number | undefined): number =>
    median(rounds.map(f).filter((v): v is number => v !== undefined));
  const s = {
    copyPerSec: m((r) => r.ceiling?.copyPerSec),
    unnestPerSec: m((r) => r.ceiling?.unnestPerSec),
    kafkaPerSec: m((r) => r.kafka?.throughput.eventsPerSec),
    kafkaAcceptedPerSec: m((r) => r.kafka?.throughput.acceptedPerSec),
    kafkaRatioCopy: m((r) =>
      r.kafka && r.ceiling ? r.kafka.throughput.eventsPerSec / r.ceiling.copyPerSec : undefined,
    ),
    kafkaRatioUnnest: m((r) =>
      r.kafka && r.ceiling ? r.kafka.throughput.eventsPerSec / r.ceiling.unnestPerSec : undefined,
    ),
    kafkaLatP50: m((r) => r.kafka?.latency.p50),
    kafkaLatP99: m((r) => r.kafka?.latency.p99),
    kafkaServerP50: m((r) => r.kafka?.latency.serverP50),
    kafkaServerP99: m((r) => r.kafka?.latency.serverP99),
    kafkaAckP99: m((r) => r.kafka?.latency.ackP99),
    kafkaApiPeakMiB: m((r) => r.kafka?.apiPeakMiB),
    kafkaApiCpu: m((r) => r.kafka?.apiCpuMsPer1k),
    kafkaConsumerCpu: m((r) => r.kafka?.consumerCpuMsPer1k),
    embeddedApiCpu: m((r) => r.embedded?.apiCpuMsPer1k),
    kafkaPgCpu: m((r) => r.kafka?.pgCpuMsPer1k),
    kafkaMockCpu: m((r) => r.kafka?.mockCpuMsPer1k ?? undefined),
    kafkaMachineCpu: m((r) => r.kafka?.machineCpuMsPer1k),
    embeddedMachineCpu: m((r) => r.embedded?.machineCpuMsPer1k),
    copyMachineCpu: m((r) => r.ceiling?.copyMachineCpuMsPer1k),
    embeddedPgCpu: m((r) => r.embedded?.pgCpuMsPer1k),
    kafkaConsumerPeakMiB: m((r) => r.kafka?.consumerPeakMiB),
    embeddedPerSec: m((r) => r.embedded?.throughput.eventsPerSec),
    embeddedRatioCopy: m((r) =>
      r.embedded && r.ceiling
        ? r.embedded.throughput.eventsPerSec / r.ceiling.copyPerSec
        : undefined,
    ),
    embeddedRatioUnnest: m((r) =>
      r.embedded && r.ceiling
        ? r.embedded.throughput.eventsPerSec / r.ceiling.unnestPerSec
        : undefined,
    ),
    embeddedLatP50: m((r) => r.embedded?.latency.p50),
    embeddedLatP99: m((r) => r.embedded?.latency.p99),
    embeddedAckP99: m((r) => r.embedded?.latency.ackP99),
    embeddedApiPeakMiB: m((r) => r.embedded?.apiPeakMiB),
    ingestReqPerSec: m((r) => r.ingest?.requestsPerSec),
    ingestP50: m((r) => r.ingest?.p50),
    ingestP99: m((r) => r.ingest?.p99),
    ingestApiPeakMiB: m((r) => r.ingest?.apiPeakMiB),
    ...smallSummary(m),
  };
  const pct = (v: number): string => (Number.isFinite(v) ? `${fmt(v * 100)}%` : '-');
  const target = (ok: boolean, v: number): string =>
    !Number.isFinite(v) ? '' : ok ? 'met' : 'MISSED';
  const rows: Array<[string, string, string, string]> = [
    ['Figure (median of rounds)', 'Value', 'Target', 'Status'],
    ['3. COPY ceiling, 2 x psql \\copy (events/s)', fmt(s.copyPerSec), '', ''],
    ['   machine CPU ms per 1000 rows (all processes)', fmt(s.copyMachineCpu, 1), '', ''],
    ['3b. INSERT..unnest 5000 x 2 conns (events/s)', fmt(s.unnestPerSec), '', ''],
    ['1. Kafka pipeline, sustained (events/s)', fmt(s.kafkaPerSec), '', ''],
    ['   accepted by API (events/s)', fmt(s.kafkaAcceptedPerSec), '', ''],
    [
      '   / COPY ceiling',
      pct(s.kafkaRatioCopy),
      '>= 50%',
      target(s.kafkaRatioCopy >= 0.5, s.kafkaRatioCopy),
    ],
    ['   / unnest reference', pct(s.kafkaRatioUnnest), '', ''],
    ['   2xx->visible p50 @2000 ev/s (ms)', fmt(s.kafkaLatP50), '', ''],
    [
      '   2xx->visible p99 @2000 ev/s (ms)',
      fmt(s.kafkaLatP99),
      '< 1000',
      target(s.kafkaLatP99 < 1000, s.kafkaLatP99),
    ],
    [
      '   written_at-received_at p50/p99 (ms)',
      `${fmt(s.kafkaServerP50)} / ${fmt(s.kafkaServerP99)}`,
      '',
      '',
    ],
    ['   request p99 @2000 ev/s (ms)', fmt(s.kafkaAckP99), '', ''],
    [
      '   CPU ms per 1000 ev: API / consumer / PG / mock',
      `${fmt(s.kafkaApiCpu)} / ${fmt(s.kafkaConsumerCpu)} / ${fmt(s.kafkaPgCpu)} / ${fmt(s.kafkaMockCpu)}`,
      '',
      '',
    ],
    ['   machine CPU ms per 1000 ev (all processes)', fmt(s.kafkaMachineCpu, 1), '', ''],
    [
      '6. API peak RSS, Kafka mode (MiB)',
      fmt(s.kafkaApiPeakMiB, 1),
      '< 250',
      target(s.kafkaApiPeakMiB < 250, s.kafkaApiPeakMiB),
    ],
    [
      '6. consumer peak RSS (MiB)',
      fmt(s.kafkaConsumerPeakMiB, 1),
      '< 250',
      target(s.kafkaConsumerPeakMiB < 250, s.kafkaConsumerPeakMiB),
    ],
    ['2. Embedded pipeline, sustained (events/s)', fmt(s.embeddedPerSec), '', ''],
    [
      '   / COPY ceiling',
      pct(s.embeddedRatioCopy),
      '>= 60%',
      target(s.embeddedRatioCopy >= 0.6, s.embeddedRatioCopy),
    ],
    ['   / unnest reference', pct(s.embeddedRatioUnnest), '', ''],
    [
      '   2xx->visible p50 / p99 @2000 ev/s (ms)',
      `${fmt(s.embeddedLatP50)} / ${fmt(s.embeddedLatP99)}`,
      '',
      '',
    ],
    ['   request p99 @2000 ev/s (ms)', fmt(s.embeddedAckP99), '', ''],
    [
      '   CPU ms per 1000 ev: API / PG',
      `${fmt(s.embeddedApiCpu)} / ${fmt(s.embeddedPgCpu)}`,
      '',
      '',
    ],
    ['   machine CPU ms per 1000 ev (all processes)', fmt(s.embeddedMachineCpu, 1), '', ''],
    [
      '   API peak RSS, embedded (MiB)',
      fmt(s.embeddedApiPeakMiB, 1),
      '< 250',
      target(s.embeddedApiPeakMiB < 250, s.embeddedApiPeakMiB),
    ],
    ['4. Ingest API alone, 100-ev batches (req/s)', fmt(s.ingestReqPerSec), '', ''],
    ['   request p50 / p99 (ms)', `${fmt(s.ingestP50, 1)} / ${fmt(s.ingestP99, 1)}`, '', ''],
    ['   API peak RSS (MiB)', fmt(s.ingestApiPeakMiB, 1), '', ''],
    ...smallRows(s, target),
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
  const line = (r: string[]): string =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ');
  const lines = rows.map(line);
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return { lines, summary: s };
}

function smallSummary(m: (f: (r: Round) => number | undefined) => number) {
  const ratio = (f: (x: SmallResult) => number): ((r: Round) => number | undefined) => {
    return (r) => (r.small === undefined ? undefined : f(r.small));
  };
  return {
    smallRefOnePerSec: m(ratio((x) => x.reference.one.eventsPerSec)),
    smallRefOneP50: m(ratio((x) => x.reference.one.p50)),
    smallRefOneP99: m(ratio((x) => x.reference.one.p99)),
    smallOnePerSec: m(ratio((x) => x.tracksphere.one.eventsPerSec)),
    smallOneP50: m(ratio((x) => x.tracksphere.one.p50)),
    smallOneP99: m(ratio((x) => x.tracksphere.one.p99)),
    smallOneRatio: m(ratio((x) => x.tracksphere.one.eventsPerSec / x.reference.one.eventsPerSec)),
    smallRefHundredPerSec: m(ratio((x) => x.reference.hundred.eventsPerSec)),
    smallRefHundredP50: m(ratio((x) => x.reference.hundred.p50)),
    smallRefHundredP99: m(ratio((x) => x.reference.hundred.p99)),
    smallHundredPerSec: m(ratio((x) => x.tracksphere.hundred.eventsPerSec)),
    smallHundredP50: m(ratio((x) => x.tracksphere.hundred.p50)),
    smallHundredP99: m(ratio((x) => x.tracksphere.hundred.p99)),
    smallHundredRatioSame: m(
      ratio((x) => x.tracksphere.hundred.eventsPerSec / x.reference.hundred.eventsPerSec),
    ),
    smallHundredRatio: m(
      ratio((x) => x.tracksphere.hundred.eventsPerSec / x.reference.one.eventsPerSec),
    ),
    // Requests answered 2xx per second of load (the API's rate, before the consumer drains).
    smallRefOneReqPerSec: m(ratio((x) => x.reference.one.requests / CFG.smallSeconds)),
    smallOneReqPerSec: m(ratio((x) => x.tracksphere.one.requests / CFG.smallSeconds)),
    smallBeforeOnePerSec: m(ratio((x) => x.before?.one.eventsPerSec ?? Number.NaN)),
    smallBeforeOneReqPerSec: m(
      ratio((x) => (x.before?.one.requests ?? Number.NaN) / CFG.smallSeconds),
    ),
    smallBeforeOneP50: m(ratio((x) => x.before?.one.p50 ?? Number.NaN)),
    smallBeforeOneP99: m(ratio((x) => x.before?.one.p99 ?? Number.NaN)),
    smallBeforeHundredPerSec: m(ratio((x) => x.before?.hundred.eventsPerSec ?? Number.NaN)),
    smallBeforeHundredP50: m(ratio((x) => x.before?.hundred.p50 ?? Number.NaN)),
    smallBeforeHundredP99: m(ratio((x) => x.before?.hundred.p99 ?? Number.NaN)),
  };
}

function smallRows(
  s: ReturnType<typeof smallSummary>,
  target: (ok: boolean, v: number) => string,
): Array<[string, string, string, string]> {
  const lat = (p50: number, p99: number): string => `${fmt(p50)} / ${fmt(p99)}`;
  const x = (v: number): string => (Number.isFinite(v) ? `${fmt(v, 2)}x` : '-');
  return [
    [`7. Small requests, ${CFG.smallConnections} conns, end to end (events/s)`, '', '', ''],
    ['   reference, 1 ev/request', fmt(s.smallRefOnePerSec), '', ''],
    ['     requests answered 2xx (per s of load)', fmt(s.smallRefOneReqPerSec), '', ''],
    ['     request p50 / p99 (ms)', lat(s.smallRefOneP50, s.smallRefOneP99), '', ''],
    ['   Tracksphere Kafka, 1 ev/request', fmt(s.smallOnePerSec), '', ''],
    ['     requests answered 2xx (per s of load)', fmt(s.smallOneReqPerSec), '', ''],
    [
      '     request p50 / p99 (ms)',
      lat(s.smallOneP50, s.smallOneP99),
      `p50 <= ${fmt(s.smallRefOneP50)}`,
      target(s.smallOneP50 <= s.smallRefOneP50, s.smallOneP50),
    ],
    [
      '     / reference 1 ev/request',
      x(s.smallOneRatio),
      '>= 1.0x',
      target(s.smallOneRatio >= 1, s.smallOneRatio),
    ],
    ['   reference, 100 ev/request', fmt(s.smallRefHundredPerSec), '', ''],
    ['     request p50 / p99 (ms)', lat(s.smallRefHundredP50, s.smallRefHundredP99), '', ''],
    ['   Tracksphere Kafka, 100 ev/request', fmt(s.smallHundredPerSec), '', ''],
    ['     request p50 / p99 (ms)', lat(s.smallHundredP50, s.smallHundredP99), '', ''],
    ['     / reference 100 ev/request', x(s.smallHundredRatioSame), '', ''],
    [
      '     / reference 1 ev/request',
      x(s.smallHundredRatio),
      '>= 20x',
      target(s.smallHundredRatio >= 20, s.smallHundredRatio),
    ],
    ...(Number.isFinite(s.smallBeforeOnePerSec)
      ? ([
          [
            `   Tracksphere of ${process.env.BENCH_SMALL_BEFORE}, 1 ev/request`,
            fmt(s.smallBeforeOnePerSec),
            '',
            '',
          ],
          ['     requests answered 2xx (per s of load)', fmt(s.smallBeforeOneReqPerSec), '', ''],
          ['     request p50 / p99 (ms)', lat(s.smallBeforeOneP50, s.smallBeforeOneP99), '', ''],
          ['     100 ev/request', fmt(s.smallBeforeHundredPerSec), '', ''],
          [
            '     request p50 / p99 (ms)',
            lat(s.smallBeforeHundredP50, s.smallBeforeHundredP99),
            '',
            '',
          ],
        ] as Array<[string, string, string, string]>)
      : []),
  ];
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  if (CFG.only.includes('soak')) {
    if (!(await (await import('./soak.js')).runSoak())) process.exitCode = 1;
    if (CFG.only.length === 1) return;
  }
  if (CFG.only.includes('startup')) {
    await (await import('./startup.js')).runStartup();
    if (CFG.only.every((p) => p === 'startup' || p === 'soak')) return;
  }
  // Dashboards at study scale (bench/dashboards.ts): only when named.
  if (CFG.only.includes('dashboards')) {
    await (await import('./dashboards.js')).runDashboardBench(CFG.rounds);
    if (CFG.only.every((p) => ['startup', 'soak', 'dashboards'].includes(p))) return;
  }
  // All my browsers (bench/rollup.ts): only when named.
  if (CFG.only.includes('rollup')) await (await import('./rollup.js')).runRollupCost(CFG.rounds);
  if (CFG.only.includes('summary')) await (await import('./summary.js')).runSummaryBench();
  if (CFG.only.every((p) => ['startup', 'soak', 'rollup', 'summary'].includes(p))) return;
  const extension = CFG.only.includes('extension')
    ? await runExtensionBench({ rounds: CFG.rounds, quick: CFG.quick, log })
    : undefined;
  if (extension !== undefined && CFG.only.every((p) => p === 'extension' || p === 'soak')) {
    return writeExtensionOnly(extension, OUT_DIR, new Date());
  }
  const startedAt = new Date();
  await mkdir(OUT_DIR, { recursive: true });
  log(`config ${JSON.stringify(CFG)}`);
  await buildBundles();
  const cluster = await startPgCluster();
  const rounds: Round[] = [];
  try {
    if (['kafka', 'embedded', 'copy'].some((p) => CFG.only.includes(p))) {
      log(`preparing ${CFG.events} events`);
    }
    const needBatches = ['kafka', 'embedded', 'copy'].some((p) => CFG.only.includes(p));
    const batches = needBatches ? prepareBatches(CFG.events, 100, 500) : [];
    const rows = CFG.only.includes('copy') ? rowsOf(batches) : [];
    for (let round = 1; round <= CFG.rounds; round++) {
      const r: Round = {};
      if (CFG.only.includes('copy')) r.ceiling = await ceiling(cluster, rows, round);
      if (CFG.only.includes('kafka')) r.kafka = await pipeline(cluster, 'kafka', batches, round);
      if (CFG.only.includes('embedded')) {
        r.embedded = await pipeline(cluster, 'embedded', batches, round);
      }
      if (CFG.only.includes('ingest')) r.ingest = await ingestOnly(cluster, round);
      if (CFG.only.includes('small')) {
        r.small = await smallRequests(
          {
            partitions: CFG.partitions,
            devices: CFG.devices,
            seconds: CFG.smallSeconds,
            connections: CFG.smallConnections,
            pgPoolSize: CFG.pgPoolSize,
            partitionsConcurrency: CFG.partitionsConcurrency,
            log,
            startApi,
            startConsumer,
            startReference: (env) => spawnServer('reference', env),
            registerDevices,
            stopProcess,
            dropDatabase: (url) => dropDatabase(cluster, url),
            profileEnv,
            markWindow,
          },
          cluster,
          round,
        );
      }
      rounds.push(r);
      log(`round ${round} done: ${JSON.stringify(r)}`);
      if (r.kafka !== undefined && r.kafka.lowWatermarksZero !== true) {
        log('WARNING: the mock cluster dropped data (low watermark > 0)');
      }
    }
  } finally {
    await cluster.destroy();
    for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
  }
  const { lines, summary } = report(rounds);
  const header = `Tracksphere bench, ${CFG.quick ? 'quick' : 'full'} mode: ${CFG.events} events, ${CFG.rounds} round(s), ${startedAt.toISOString()}`;
  if (extension !== undefined) lines.push('', ...extensionTableLines(extension));
  process.stdout.write(`\n${header}\n${lines.join('\n')}\n`);
  const file = join(OUT_DIR, `bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(
    file,
    `${JSON.stringify({ startedAt, config: CFG, summary, rounds, extension, table: lines }, null, 2)}\n`,
  );
  process.stdout.write(`\nwritten ${file}\n`);
}

await main();
