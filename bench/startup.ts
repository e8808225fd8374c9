/**
 * `BENCH_ONLY=startup npm run bench` (issue 20, section 4): the ingest API as development runs it
 * (`node --import tsx server/src/entry-points/api/main.ts`) and as production runs it (`node
 * <start:api's options> dist/server/api.mjs`, scripts/build-server.ts), side by side in one run;
 * BENCH_STARTUP_VARIANTS=compiled,plain sets the bundle with `--enable-source-maps` alone beside it:
 *
 *  - start: from spawning the process until GET /readyz first answers 200 (polled every 5 ms),
 *    and the CPU time the process used until then (/proc/<pid>/stat; steadier on a busy machine);
 *  - RSS at ready (VmRSS), and peak RSS (VmHWM, /proc/<pid>/status) after a fixed load:
 *    autocannon, BENCH_STARTUP_CONNECTIONS (32) keep-alive connections for BENCH_STARTUP_SECONDS
 *    (10) s, each request a fresh batch of BENCH_STARTUP_EVENTS (100) events from the next of 32
 *    devices.
 *
 * Kafka mode, as compose runs the API: the librdkafka mock cluster acknowledges (acks=all), no
 * consumer. BENCH_STARTUP_RUNS (3) runs, the two variants in alternating order; before them each
 * variant starts once unmeasured, so tsx's transform cache (in the temp folder) and the page cache
 * are warm for both. Ratios are compiled / tsx within a run; the summary gives their medians.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { v7 as uuidv7 } from 'uuid';
import { buildServer, nodeFlagsOf } from '../scripts/build-server.js';
import { registerDevice } from '../test/harness/client.js';
import { type MockKafka, startMockKafka } from '../test/harness/kafka-mock.js';
import { startPgCluster } from '../test/harness/postgres.js';
import { type ServerProcess, spawnEntryPoint, spawnNode } from '../test/harness/process.js';
import { kafkaEnv, prepareDatabase, testKafkaSettings } from '../test/harness/server.js';
import { cpuSecondsOf, makeEvent, median, memoryOf, postAs, sleep } from './lib.js';

const ROOT = resolve(import.meta.dirname, '..');
const OUT_DIR = join(ROOT, 'bench-output');
const HIGH = '1000000000';

function intEnv(name: string, fallback: number): number {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

const CFG = {
  runs: intEnv('BENCH_STARTUP_RUNS', 3),
  seconds: intEnv('BENCH_STARTUP_SECONDS', 10),
  connections: intEnv('BENCH_STARTUP_CONNECTIONS', 32),
  eventsPerRequest: intEnv('BENCH_STARTUP_EVENTS', 100),
  devices: 32,
  partitions: 96,
};

/**
 * tsx: the TypeScript as development runs it; compiled: the bundle with the node options
 * package.json's `start:api` gives it, as production starts it; plain: the bundle with
 * `--enable-source-maps` alone (what a production option costs or saves: BENCH_STARTUP_VARIANTS).
 */
type Variant = 'tsx' | 'compiled' | 'plain';
const VARIANTS = ['tsx', 'compiled', 'plain'] as const;

/** BENCH_STARTUP_VARIANTS (default `tsx,compiled`): which variants run, compiled always among them. */
function variantsOf(spec: string | undefined): Variant[] {
  const names = (spec ?? 'tsx,compiled').split(',').map((v) => v.trim());
  for (const n of names) {
    if (!(VARIANTS as readonly string[]).includes(n)) throw new Error(`unknown variant ${n}`);
  }
  return [...new Set(names.includes('compiled') ? names : ['compiled', ...names])] as Variant[];
}

export interface StartupSample {
  run: number;
  variant: Variant;
  startMs: number;
  /** CPU time (user + system) the process used until ready: what start costs, however busy the machine. */
  startCpuMs: number;
  readyRssMiB: number;
  peakRssMiB: number;
  requestsPerSec: number;
  failed: number;
}

function log(msg: string): void {
  process.stderr.write(`[bench startup ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Spawns the API and polls /readyz; resolves once it answers 200, with the time taken. */
async function startApi(
  variant: Variant,
  bundleDir: string,
  env: Record<string, string>,
): Promise<{ proc: ServerProcess; url: string; startMs: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const full = {
    ...env,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_DEVICE_PER_MINUTE: HIGH,
    RATE_LIMIT_IP_PER_MINUTE: HIGH,
    QUOTA_ROWS_PER_DEVICE_DAY: HIGH,
    QUOTA_BYTES_PER_DEVICE_DAY: HIGH,
    REGISTRATIONS_PER_DAY: HIGH,
    MIGRATE_ON_START: 'false',
  };
  const flags =
    variant === 'compiled'
      ? ((await nodeFlagsOf('api.mjs')) ?? ['--enable-source-maps'])
      : ['--enable-source-maps'];
  const t0 = performance.now();
  const proc =
    variant === 'tsx'
      ? spawnEntryPoint('server/src/entry-points/api/main.ts', full)
      : spawnNode('api.mjs', [...flags, join(bundleDir, 'api.mjs')], full);
  const deadline = t0 + 60_000;
  for (;;) {
    const status = await fetch(`${url}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return { proc, url, startMs: performance.now() - t0 };
    if (proc.proc.exitCode !== null || performance.now() > deadline) {
      await proc.kill('SIGKILL');
      throw new Error(`${variant} API not ready:\n${proc.output().slice(-2000)}`);
    }
    await sleep(5);
  }
}

async function load(url: string, tokens: string[]): Promise<{ perSec: number; failed: number }> {
  let next = 0;
  const result = await autocannon({
    url: `${url}/api/v1/events`,
    method: 'POST',
    connections: CFG.connections,
    duration: CFG.seconds,
    timeout: 30,
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => {
          const now = Date.now();
          const events = Array.from({ length: CFG.eventsPerRequest }, () => makeEvent(now));
          const batch = { batchId: uuidv7(), sentAt: new Date(now).toISOString(), events };
          return postAs(req, tokens[next++ % tokens.length], JSON.stringify(batch));
        },
      },
    ],
  });
  return {
    perSec: result['2xx'] / CFG.seconds,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

async function sample(
  run: number,
  variant: Variant,
  bundleDir: string,
  env: Record<string, string>,
  tokens: string[] | null,
): Promise<{ sample: StartupSample; tokens: string[] }> {
  const { proc, url, startMs } = await startApi(variant, bundleDir, env);
  try {
    const startCpuMs = (await cpuSecondsOf(proc.proc.pid)) * 1000;
    const ready = await memoryOf(proc.proc.pid);
    // Registered once, through the first API started; every later one serves the same devices.
    const devices =
      tokens ??
      (await Promise.all(Array.from({ length: CFG.devices }, () => registerDevice(url)))).map(
        (d) => d.token,
      );
    const loaded = await load(url, devices);
    const peak = await memoryOf(proc.proc.pid);
    return {
      tokens: devices,
      sample: {
        run,
        variant,
        startMs,
        startCpuMs,
        readyRssMiB: ready.rss,
        peakRssMiB: peak.hwm,
        requestsPerSec: loaded.perSec,
        failed: loaded.failed,
      },
    };
  } finally {
    const exited = proc.kill('SIGTERM');
    if (await Promise.race([exited.then(() => false), sleep(20_000).then(() => true)])) {
      await proc.kill('SIGKILL');
    }
  }
}

async function startMock(): Promise<MockKafka> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startMockKafka({
        topics: [
          { name: 'visits.v1', partitions: CFG.partitions },
          { name: 'visits.v1.dlq', partitions: 1 },
        ],
      });
    } catch (err) {
      if (attempt >= 6) throw err;
      log(`mock Kafka did not start (${(err as Error).message.split('\n')[0]}); again`);
    }
  }
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function table(samples: StartupSample[]): string[] {
  const lines = [
    `Start-up and memory, the ingest API: ${[...new Set(samples.map((s) => s.variant))].join(', ')} (Kafka mode, mock cluster; load: ${CFG.connections} connections x ${CFG.seconds} s, ${CFG.eventsPerRequest} events per request)`,
    'run  variant    start ms  CPU ms to ready  RSS at ready MiB  peak RSS MiB  requests/s  failed',
  ];
  for (const s of samples) {
    lines.push(
      `${String(s.run).padEnd(5)}${s.variant.padEnd(11)}${fmt(s.startMs).padStart(8)}${fmt(s.startCpuMs).padStart(17)}${fmt(s.readyRssMiB, 1).padStart(18)}${fmt(s.peakRssMiB, 1).padStart(14)}${fmt(s.requestsPerSec).padStart(12)}${String(s.failed).padStart(8)}`,
    );
  }
  const of = (v: Variant, f: (s: StartupSample) => number): number[] =>
    samples.filter((s) => s.variant === v).map(f);
  const ratios = (f: (s: StartupSample) => number, other: Variant): number[] =>
    [...new Set(samples.map((s) => s.run))].map((run) => {
      const pick = (v: Variant): number =>
        f(samples.find((s) => s.run === run && s.variant === v) as StartupSample);
      return pick('compiled') / pick(other);
    });
  const present = VARIANTS.filter((v) => samples.some((s) => s.variant === v));
  const row = (label: string, f: (s: StartupSample) => number, digits: number): string => {
    const medians = present.map((v) => `${v} ${fmt(median(of(v, f)), digits).padStart(7)}`);
    const vs = present
      .filter((v) => v !== 'compiled')
      .map((v) => {
        const r = ratios(f, v);
        return `compiled/${v} ${fmt(median(r), 2)} (runs: ${r.map((x) => fmt(x, 2)).join(', ')})`;
      });
    return `${label.padEnd(21)}${[...medians, ...vs].join('   ')}`;
  };
  lines.push(
    'medians:',
    row('  start ms', (s) => s.startMs, 0),
    row('  CPU ms to ready', (s) => s.startCpuMs, 0),
    row('  RSS at ready MiB', (s) => s.readyRssMiB, 1),
    row('  peak RSS MiB', (s) => s.peakRssMiB, 1),
    row('  requests/s', (s) => s.requestsPerSec, 0),
  );
  return lines;
}

/** The phase: prints the table, writes bench-output/startup-<time>.json. */
export async function runStartup(): Promise<StartupSample[]> {
  const startedAt = new Date();
  // Beside node_modules, as dist/server is: the bundles import their npm packages from there.
  await mkdir(OUT_DIR, { recursive: true });
  const bundleDir = await mkdtemp(join(OUT_DIR, 'startup-dist-'));
  const cluster = await startPgCluster();
  let mock: MockKafka | undefined;
  const samples: StartupSample[] = [];
  try {
    log(`config ${JSON.stringify(CFG)}; building the bundles`);
    await buildServer(bundleDir);
    const databaseUrl = await cluster.createDatabase('bench_startup');
    await prepareDatabase(databaseUrl);
    mock = await startMock();
    const env = { DATABASE_URL: databaseUrl, ...kafkaEnv(testKafkaSettings(mock.brokers)) };
    let tokens: string[] | null = null;
    const variants = variantsOf(process.env.BENCH_STARTUP_VARIANTS);
    for (const variant of variants) {
      log(`warm-up start: ${variant}`);
      const { proc } = await startApi(variant, bundleDir, env);
      await proc.kill('SIGTERM');
    }
    for (let run = 1; run <= CFG.runs; run++) {
      const order = run % 2 === 1 ? variants : [...variants].reverse();
      for (const variant of order) {
        log(`run ${run}: ${variant}`);
        const r = await sample(run, variant, bundleDir, env, tokens);
        tokens = r.tokens;
        samples.push(r.sample);
        log(JSON.stringify(r.sample));
      }
    }
  } finally {
    await mock?.stop();
    await cluster.destroy();
    await rm(bundleDir, { recursive: true, force: true });
  }
  const lines = table(samples);
  process.stdout.write(`\n${lines.join('\n')}\n`);
  const file = join(OUT_DIR, `startup-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(
    file,
    `${JSON.stringify({ startedAt, config: CFG, samples, table: lines }, null, 2)}\n`,
  );
  process.stdout.write(`written ${file}\n`);
  return samples;
}
