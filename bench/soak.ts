/**
 * Bounded soak (issue 8): the Kafka pipeline under steady load while faults are injected, then an
 * exact reconciliation of what the API acknowledged against what PostgreSQL holds.
 *
 * Run (10+ minutes, so it is NOT in the default BENCH_ONLY set; hold the bench lock):
 *   flock /tmp/tracksphere-bench.lock env BENCH_ONLY=soak npm run bench
 *   SOAK_MINUTES=2 ... for a short run; `npx tsx bench/soak.ts` runs it alone as well.
 *
 * Setup: a private PostgreSQL 15 cluster (test/harness/postgres.ts), the librdkafka mock cluster
 * with SOAK_PARTITIONS partitions (it keeps only ~5 MiB per partition and silently drops older
 * data, so devices are spread over many partitions and the low watermarks are asserted to stay
 * 0), the ingest API and the pg-writer consumer as child processes. The child processes run from
 * a snapshot of server/ and protocol/ taken at start, so the consumer restarted every minute runs
 * the same code as the API even while the tree is edited: SOAK_SOURCE=tree (default: the working
 * tree as it is at start), head (git HEAD, when the tree is mid-edit) or live (no snapshot).
 * One warm-up batch must reach PostgreSQL before the load starts (else the run aborts early).
 *
 * Load: SOAK_RATE events/s offered in total by SOAK_CLIENTS sequential clients (one request in
 * flight each, like one extension), gzipped batches of 100-500 events, each batch from one of
 * SOAK_DEVICES devices (the device of the least-loaded partition). A client that gets a 5xx, 429
 * or a network error retries the same body (same batchId and event ids) with Retry-After or
 * jittered backoff, as the extension does; events owed meanwhile are sent afterwards.
 *
 * Faults: every SOAK_KILL_EVERY_SECONDS (60) the consumer gets SIGKILL and a new one is started;
 * once, at half time + 20 s, PostgreSQL is stopped (SOAK_PG_STOP: immediate = crash-like SIGQUIT,
 * or fast) for SOAK_PG_DOWN_SECONDS (10) and started again on the same data folder and port;
 * once, at a quarter of the time, Kafka broker 1 of SOAK_BROKERS (3, at least 2; replication
 * min(3, brokers)) goes down for SOAK_BROKER_DOWN_SECONDS (10): it refuses connections, the
 * partitions it leads (a third with 3 brokers) and the consumer group's coordinator (placed on it
 * at start) move to broker 2, as a controller would move them, and back once it is up again.
 *
 * End: clients stop generating, finish their in-flight batch, the consumer drains (group offsets
 * = high watermarks), then every acknowledged id must be in `visits` exactly once and nothing else
 * may be there. RSS of the API and the consumer is sampled every SOAK_SAMPLE_SECONDS (5).
 * Prints a table and writes bench-output/soak-<time>.json. Exits non-zero when a check fails.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { registerDevice } from '../test/harness/client.js';
import { startMockKafka } from '../test/harness/kafka-mock.js';
import { type PgCluster, startPgCluster } from '../test/harness/postgres.js';
import { type ServerProcess, spawnEntryPoint } from '../test/harness/process.js';
import { kafkaEnv, prepareDatabase, testKafkaSettings } from '../test/harness/server.js';
import {
  deviceAssigner,
  gzipBatch,
  makeAgent,
  makeEvent,
  memoryOf,
  type PostResult,
  postBatch,
  sleep,
} from './lib.js';

const execFileAsync = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = join(ROOT, 'bench-output');
const TOPIC = 'visits.v1';
const GROUP = 'pg-writer';
const HIGH = '1000000000';

function numEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}

const CFG = {
  minutes: numEnv('SOAK_MINUTES', 10),
  rate: numEnv('SOAK_RATE', 1_000),
  clients: Math.round(numEnv('SOAK_CLIENTS', 4)),
  devices: Math.round(numEnv('SOAK_DEVICES', 400)),
  partitions: Math.round(numEnv('SOAK_PARTITIONS', 256)),
  brokers: Math.round(numEnv('SOAK_BROKERS', 3)),
  brokerDownSeconds: numEnv('SOAK_BROKER_DOWN_SECONDS', 10),
  minBatch: 100,
  maxBatch: 500,
  killEverySeconds: numEnv('SOAK_KILL_EVERY_SECONDS', 60),
  pgDownSeconds: numEnv('SOAK_PG_DOWN_SECONDS', 10),
  pgStop: (process.env.SOAK_PG_STOP ?? 'immediate') as 'immediate' | 'fast',
  sampleSeconds: numEnv('SOAK_SAMPLE_SECONDS', 5),
  drainTimeoutSeconds: numEnv('SOAK_DRAIN_TIMEOUT_SECONDS', 300),
  source: (process.env.SOAK_SOURCE ?? 'tree') as 'tree' | 'head' | 'live',
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
};

function log(msg: string): void {
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

// ------------------------------------------------------------------ processes

/** Copies the server code so restarts during the run use the code the run started with. */
async function snapshotServer(): Promise<{
  dir: string | undefined;
  entry: (e: string) => string;
}> {
  if (CFG.source === 'live') return { dir: undefined, entry: (e) => e };
  if (CFG.source !== 'tree' && CFG.source !== 'head') {
    throw new Error('SOAK_SOURCE must be tree, head or live');
  }
  const dir = await mkdtemp(join(tmpdir(), 'tracksphere-soak-'));
  const paths = ['server', 'protocol', 'package.json', 'tsconfig.base.json'];
  if (CFG.source === 'head') {
    const script = `git archive HEAD ${paths.join(' ')} | tar -x -C "$1"`;
    await execFileAsync('sh', ['-c', script, 'sh', dir], { cwd: ROOT });
  } else {
    for (const p of paths) await cp(join(ROOT, p), join(dir, p), { recursive: true });
  }
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  // spawnEntryPoint joins its argument to the repository root: hand it a relative path.
  return { dir, entry: (e) => relative(ROOT, join(dir, e)) };
}

async function stopProcess(proc: ServerProcess | undefined): Promise<void> {
  if (proc === undefined) return;
  const killed = proc.kill('SIGTERM');
  const late = await Promise.race([killed.then(() => false), sleep(20_000).then(() => true)]);
  if (late) await proc.kill('SIGKILL');
}

// ------------------------------------------------------------------ HTTP

// ------------------------------------------------------------------ load

interface LoadStats {
  generated: number;
  sent: number;
  accepted: number;
  rejected: number;
  requests: number;
  statuses: Record<string, number>;
  retries: number;
  maxRetriesOneBatch: number;
  unacknowledged: number;
  acceptedIds: string[];
  acceptedPerMinute: number[];
  firstError: Record<string, string>;
}

/**
 * Clients offer CFG.rate events/s in total until `stopAt`, then finish their in-flight batch
 * (retrying until `drainBy`). One request in flight per client.
 */
async function runLoad(
  baseUrl: string,
  assign: (events: number) => string,
  t0: number,
  stopAt: number,
  drainBy: number,
): Promise<LoadStats> {
  const s: LoadStats = {
    generated: 0,
    sent: 0,
    accepted: 0,
    rejected: 0,
    requests: 0,
    statuses: {},
    retries: 0,
    maxRetriesOneBatch: 0,
    unacknowledged: 0,
    acceptedIds: [],
    acceptedPerMinute: [],
    firstError: {},
  };
  const perClient = CFG.rate / CFG.clients;
  let rnd = 12345;
  const nextSize = (): number => {
    rnd = (rnd * 1103515245 + 12345) & 0x7fffffff;
    return CFG.minBatch + (rnd % (CFG.maxBatch - CFG.minBatch + 1));
  };
  const count = (key: string, detail: string): void => {
    s.statuses[key] = (s.statuses[key] ?? 0) + 1;
    if (s.firstError[key] === undefined && key !== '200') s.firstError[key] = detail.slice(0, 300);
  };

  const client = async (c: number): Promise<void> => {
    const agent = makeAgent(1);
    // Stagger the clients so their batches do not line up.
    let generated = -perClient * (c / CFG.clients);
    try {
      for (;;) {
        const now = performance.now();
        if (now >= stopAt) return;
        const size = nextSize();
        const owed = (perClient * (now - t0)) / 1000 - generated;
        if (owed < size) {
          await sleep(Math.min(stopAt - now, ((size - owed) / perClient) * 1000));
          if (performance.now() >= stopAt) return;
        }
        const events = Array.from({ length: size }, () => makeEvent());
        generated += size;
        s.generated += size;
        const body = gzipBatch(events);
        const token = assign(size);
        s.sent += size;
        for (let attempt = 1; ; attempt++) {
          let answer: PostResult | undefined;
          s.requests++;
          try {
            answer = await postBatch(agent, baseUrl, token, body);
            count(String(answer.status), answer.body);
          } catch (e) {
            count('network', (e as Error).message);
          }
          if (answer?.status === 200) {
            const result = JSON.parse(answer.body) as {
              accepted: number;
              rejected: Array<{ index: number }>;
            };
            const rejected = new Set(result.rejected.map((r) => r.index));
            events.forEach((e, i) => {
              if (!rejected.has(i)) s.acceptedIds.push(e.id);
            });
            if (result.accepted !== size - rejected.size) {
              throw new Error(`accepted ${result.accepted} + rejected ${rejected.size} != ${size}`);
            }
            s.accepted += result.accepted;
            s.rejected += rejected.size;
            const minute = Math.floor((performance.now() - t0) / 60_000);
            s.acceptedPerMinute[minute] = (s.acceptedPerMinute[minute] ?? 0) + result.accepted;
            s.maxRetriesOneBatch = Math.max(s.maxRetriesOneBatch, attempt - 1);
            break;
          }
          if (answer !== undefined && answer.status < 500 && answer.status !== 429) {
            throw new Error(`ingest answered ${answer.status}: ${answer.body.slice(0, 300)}`);
          }
          if (performance.now() >= drainBy) {
            s.unacknowledged += size;
            return;
          }
          s.retries++;
          const jitter = Math.random() * Math.min(5_000, 250 * 2 ** Math.min(attempt - 1, 10));
          const retryAfterMs = /^\d+$/.test(answer?.retryAfter ?? '')
            ? Number(answer?.retryAfter) * 1000
            : 0;
          await sleep(Math.max(jitter, Math.min(retryAfterMs, 30_000)));
        }
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: CFG.clients }, (_, c) => client(c)));
  return s;
}

// ------------------------------------------------------------------ Kafka probes

async function withAdmin<T>(
  brokers: string[],
  fn: (admin: ReturnType<Kafka['admin']>) => Promise<T>,
): Promise<T> {
  const kafka = new Kafka({ clientId: 'soak-admin', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

interface TopicState {
  lowMax: number;
  highTotal: number;
  highMaxPartition: number;
  lag: number;
}

async function topicState(brokers: string[]): Promise<TopicState> {
  return withAdmin(brokers, async (admin) => {
    const offsets = await admin.fetchTopicOffsets(TOPIC);
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const done = new Map<number, number>();
    for (const t of committed) {
      for (const p of t.partitions) done.set(p.partition, Number(p.offset));
    }
    let lag = 0;
    for (const o of offsets) {
      const high = Number(o.high);
      const at = done.get(o.partition) ?? -1;
      lag += high - (at < 0 ? Number(o.low) : at);
    }
    return {
      lowMax: Math.max(...offsets.map((o) => Number(o.low))),
      highTotal: offsets.reduce((n, o) => n + Number(o.high), 0),
      highMaxPartition: Math.max(...offsets.map((o) => Number(o.high))),
      lag,
    };
  });
}

async function dlqSize(brokers: string[]): Promise<number> {
  return withAdmin(brokers, async (admin) => {
    const offsets = await admin.fetchTopicOffsets(`${TOPIC}.dlq`);
    return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  });
}

// ------------------------------------------------------------------ verification

interface Verification {
  rows: number;
  distinctIds: number;
  duplicatedIds: number;
  lost: number;
  extra: number;
}

async function verify(databaseUrl: string, acceptedIds: string[]): Promise<Verification> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('CREATE TEMP TABLE acked (id uuid PRIMARY KEY)');
    for (let i = 0; i < acceptedIds.length; i += 20_000) {
      await client.query('INSERT INTO acked SELECT unnest($1::uuid[])', [
        acceptedIds.slice(i, i + 20_000),
      ]);
    }
    await client.query('ANALYZE acked');
    const one = async (sql: string): Promise<number> =>
      Number((await client.query<{ n: string }>(sql)).rows[0]?.n);
    return {
      rows: await one('SELECT count(*) AS n FROM visits'),
      distinctIds: await one('SELECT count(DISTINCT id) AS n FROM visits'),
      duplicatedIds: await one(
        'SELECT count(*) AS n FROM (SELECT id FROM visits GROUP BY id HAVING count(*) > 1) d',
      ),
      lost: await one(
        'SELECT count(*) AS n FROM acked a WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.id = a.id)',
      ),
      extra: await one(
        'SELECT count(*) AS n FROM visits v WHERE NOT EXISTS (SELECT 1 FROM acked a WHERE a.id = v.id)',
      ),
    };
  } finally {
    await client.end();
  }
}

async function countRows(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    return Number(
      (await client.query<{ n: string }>('SELECT count(*) AS n FROM visits')).rows[0]?.n,
    );
  } finally {
    await client.end();
  }
}

// ------------------------------------------------------------------ main

interface Sample {
  t: number;
  apiRss: number;
  consumerRss: number;
}

interface FaultLog {
  t: number;
  what: string;
  ms: number;
}

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';
const avg = (xs: number[]): number => {
  const ok = xs.filter((x) => Number.isFinite(x));
  return ok.length === 0 ? Number.NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
};

export async function runSoak(): Promise<boolean> {
  const startedAt = new Date();
  await mkdir(OUT_DIR, { recursive: true });
  log(`config ${JSON.stringify(CFG)}`);
  const durationMs = CFG.minutes * 60_000;
  const snap = await snapshotServer();
  const cluster: PgCluster = await startPgCluster();
  if (CFG.brokers < 2) throw new Error('SOAK_BROKERS must be at least 2 (a broker goes down)');
  const mock = await startMockKafka({
    brokers: CFG.brokers,
    topics: [
      { name: TOPIC, partitions: CFG.partitions },
      { name: `${TOPIC}.dlq`, partitions: 1 },
    ],
  });
  let api: ServerProcess | undefined;
  let consumer: ServerProcess | undefined;
  const samples: Sample[] = [];
  const faults: FaultLog[] = [];
  const consumerPeaks: number[] = [];
  const logTails: string[] = [];
  let consumerKills = 0;
  let pgRestarts = 0;
  let brokerFaults = 0;
  let consumerStartFailures = 0;
  let warmIds: string[] = [];
  try {
    // The broker that goes down also coordinates the consumer group.
    await mock.setCoordinator(GROUP, 1);
    const databaseUrl = await cluster.createDatabase('soak');
    await prepareDatabase(databaseUrl);
    const env = {
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: CFG.logLevel,
      ...kafkaEnv(testKafkaSettings(mock.brokers, TOPIC)),
    };
    api = spawnEntryPoint(snap.entry('server/src/entry-points/api/main.ts'), {
      ...env,
      HOST: '127.0.0.1',
      PORT: '0',
      RATE_LIMIT_DEVICE_PER_MINUTE: HIGH,
      RATE_LIMIT_IP_PER_MINUTE: HIGH,
      // Many devices, many rows each: no storage quota or registration cap in the way.
      QUOTA_ROWS_PER_DEVICE_DAY: HIGH,
      QUOTA_BYTES_PER_DEVICE_DAY: HIGH,
      REGISTRATIONS_PER_DAY: HIGH,
    });
    await api.waitForOutput(/ingest API ready/, 60_000);
    const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/api\/v1"/.exec(api.output());
    if (m === null) throw new Error(`no API url in output:\n${api.output().slice(-2000)}`);
    const url = m[1] as string;

    const startConsumer = async (): Promise<ServerProcess> => {
      for (let attempt = 1; ; attempt++) {
        const proc = spawnEntryPoint(snap.entry('server/src/entry-points/consumer/main.ts'), {
          ...env,
          HOST: '127.0.0.1',
          CONSUMER_PORT: '0',
        });
        try {
          await proc.waitForOutput(/consumer running/, 60_000);
          return proc;
        } catch (e) {
          consumerStartFailures++;
          logTails.push(`--- consumer start failure ${attempt} ---\n${proc.output().slice(-4000)}`);
          await proc.kill('SIGKILL');
          if (attempt >= 10) throw e;
          log(
            `consumer failed to start (attempt ${attempt}): ${(e as Error).message.slice(0, 200)}`,
          );
          await sleep(2_000);
        }
      }
    };
    consumer = await startConsumer();

    log(`registering ${CFG.devices} devices`);
    const devices: Array<{ deviceId: string; token: string }> = [];
    for (let i = 0; i < CFG.devices; i += 8) {
      devices.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(8, CFG.devices - i) }, () => registerDevice(url)),
        )),
      );
    }
    const assigner = deviceAssigner(devices, TOPIC, CFG.partitions);
    log(`${devices.length} devices on ${assigner.partitionsUsed} of ${CFG.partitions} partitions`);

    // Warm-up: one batch end to end (also waits out the consumer group's first join). A pipeline
    // that does not store it (e.g. producer and consumer disagree on the format) aborts here.
    {
      const warm = Array.from({ length: 100 }, () => makeEvent());
      const agent = makeAgent(1);
      const answer = await postBatch(agent, url, assigner.next(100), gzipBatch(warm));
      agent.destroy();
      if (answer.status !== 200)
        throw new Error(`warm-up answered ${answer.status}: ${answer.body}`);
      const deadline = performance.now() + 60_000;
      while ((await countRows(databaseUrl)) < 100) {
        if (performance.now() > deadline) {
          throw new Error(
            `warm-up batch not stored within 60 s (DLQ: ${await dlqSize(mock.brokers)} messages):\n${consumer.output().slice(-3000)}`,
          );
        }
        await sleep(200);
      }
      warmIds = warm.map((e) => e.id);
    }

    const t0 = performance.now();
    const stopAt = t0 + durationMs;
    const since = (): number => (performance.now() - t0) / 1000;
    let running = true;

    // Memory sampler.
    const sampler = (async (): Promise<void> => {
      while (running) {
        const [a, c] = await Promise.all([memoryOf(api?.proc.pid), memoryOf(consumer?.proc.pid)]);
        samples.push({ t: since(), apiRss: a.rss, consumerRss: c.rss });
        await sleep(CFG.sampleSeconds * 1000);
      }
    })();

    // Fault injector: consumer SIGKILL + restart on a period; PostgreSQL restarted once.
    const pgAt = durationMs / 2 + 20_000;
    const brokerAt = durationMs / 4;
    const faulter = (async (): Promise<void> => {
      let nextKill = CFG.killEverySeconds * 1000;
      let pgDone = false;
      let brokerDone = false;
      while (performance.now() < stopAt) {
        const now = performance.now() - t0;
        if (!brokerDone && now >= brokerAt) {
          brokerDone = true;
          const at = since();
          const s0 = performance.now();
          const down = await mock.brokerDown(1);
          log(
            `Kafka broker 1 down for ${CFG.brokerDownSeconds} s: ${down.partitionsMoved} partition leaders and ${down.coordinatorsMoved} coordinator moved`,
          );
          await sleep(CFG.brokerDownSeconds * 1000);
          const up = await mock.brokerUp(1);
          brokerFaults++;
          faults.push({
            t: at,
            what: `Kafka broker 1 down + up (${down.partitionsMoved} leaders moved, ${up.partitionsMoved} back)`,
            ms: performance.now() - s0,
          });
          log(`Kafka broker 1 up again, ${up.partitionsMoved} partition leaders moved back`);
          continue;
        }
        if (!pgDone && now >= pgAt) {
          pgDone = true;
          const at = since();
          log(`stopping PostgreSQL (${CFG.pgStop}) for ${CFG.pgDownSeconds} s`);
          const s0 = performance.now();
          await cluster.stop(CFG.pgStop);
          await sleep(CFG.pgDownSeconds * 1000);
          await cluster.start();
          pgRestarts++;
          faults.push({
            t: at,
            what: `postgres ${CFG.pgStop} stop + start`,
            ms: performance.now() - s0,
          });
          log(`PostgreSQL back after ${fmt((performance.now() - s0) / 1000, 1)} s`);
          continue;
        }
        if (now >= nextKill) {
          nextKill += CFG.killEverySeconds * 1000;
          const victim = consumer;
          const at = since();
          const mem = await memoryOf(victim?.proc.pid);
          consumerPeaks.push(mem.hwm);
          const s0 = performance.now();
          await victim?.kill('SIGKILL');
          consumerKills++;
          logTails.push(
            `--- consumer killed at ${fmt(at)} s ---\n${victim?.output().slice(-3000)}`,
          );
          consumer = await startConsumer();
          faults.push({ t: at, what: 'consumer SIGKILL + restart', ms: performance.now() - s0 });
          log(
            `consumer killed at ${fmt(at)} s, new one running after ${fmt(performance.now() - s0)} ms`,
          );
          continue;
        }
        const until = Math.min(
          nextKill,
          pgDone ? Number.POSITIVE_INFINITY : pgAt,
          brokerDone ? Number.POSITIVE_INFINITY : brokerAt,
        );
        await sleep(Math.max(50, Math.min(1_000, until - now)));
      }
    })();

    log(`load: ${CFG.rate} events/s from ${CFG.clients} clients for ${CFG.minutes} min`);
    const progress = setInterval(() => log(`t=${fmt(since())} s`), 60_000);
    let load: LoadStats;
    try {
      load = await runLoad(url, (n) => assigner.next(n), t0, stopAt, stopAt + 120_000);
    } finally {
      clearInterval(progress);
    }
    await faulter;
    const loadSeconds = since();
    log(
      `load done at ${fmt(loadSeconds)} s: ${load.accepted} accepted, ${load.unacknowledged} unacknowledged`,
    );

    // Drain: every group offset at the high watermark, and the row count stable.
    const drainStart = performance.now();
    let state = await topicState(mock.brokers);
    let rows = -1;
    let drained = false;
    while (performance.now() - drainStart < CFG.drainTimeoutSeconds * 1000) {
      state = await topicState(mock.brokers);
      const n = await countRows(databaseUrl);
      if (state.lag === 0 && n === rows) {
        drained = true;
        break;
      }
      rows = n;
      await sleep(1_000);
    }
    const drainSeconds = (performance.now() - drainStart) / 1000;
    running = false;
    await sampler;
    const apiMem = await memoryOf(api.proc.pid);
    const consumerMem = await memoryOf(consumer.proc.pid);
    consumerPeaks.push(consumerMem.hwm);
    log(`drained=${drained} after ${fmt(drainSeconds, 1)} s (lag ${state.lag}); verifying`);
    const v = await verify(databaseUrl, [...warmIds, ...load.acceptedIds]);
    const dlq = await dlqSize(mock.brokers);

    const endT = samples.at(-1)?.t ?? 0;
    const lastFrom = Math.max(60, endT - 60);
    const mem = (key: 'apiRss' | 'consumerRss') => ({
      firstMinuteAvgMiB: avg(samples.filter((s) => s.t < 60).map((s) => s[key])),
      lastMinuteAvgMiB: avg(samples.filter((s) => s.t >= lastFrom).map((s) => s[key])),
      peakSampledMiB: Math.max(...samples.map((s) => s[key]).filter(Number.isFinite)),
    });
    const memory = {
      api: { ...mem('apiRss'), peakHwmMiB: apiMem.hwm },
      consumer: {
        ...mem('consumerRss'),
        peakHwmMiB: Math.max(...consumerPeaks.filter(Number.isFinite)),
        /** VmHWM of each consumer process at its end (SIGKILL or the end of the run), in order. */
        hwmPerProcessMiB: consumerPeaks,
      },
    };
    const status503 = load.statuses['503'] ?? 0;
    const otherErrors = Object.entries(load.statuses)
      .filter(([k]) => k !== '200' && k !== '503')
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ');
    const checks = {
      drained,
      exactlyOnce: v.duplicatedIds === 0 && v.rows === v.distinctIds,
      noneLost: v.lost === 0,
      nothingElse: v.extra === 0,
      storedEqualsAccepted: v.rows === load.accepted + warmIds.length,
      allAcknowledged: load.unacknowledged === 0,
      lowWatermarksZero: state.lowMax === 0,
      dlqEmpty: dlq === 0,
      faultsInjected:
        consumerKills >= Math.floor((durationMs - 1) / (CFG.killEverySeconds * 1000)) &&
        pgRestarts === 1 &&
        brokerFaults === 1,
    };
    const ok = Object.values(checks).every(Boolean);

    const rowsOut: Array<[string, string]> = [
      ['Soak figure', 'Value'],
      ['duration of load (s)', fmt(loadSeconds)],
      [
        'offered rate (events/s)',
        `${fmt(CFG.rate)} (${CFG.clients} clients, batches ${CFG.minBatch}-${CFG.maxBatch})`,
      ],
      ['accepted rate (events/s)', fmt(load.accepted / loadSeconds)],
      [
        `events sent / accepted / stored (+${warmIds.length} warm-up)`,
        `${fmt(load.sent)} / ${fmt(load.accepted)} / ${fmt(v.rows - warmIds.length)}`,
      ],
      ['rejected / unacknowledged at end', `${fmt(load.rejected)} / ${fmt(load.unacknowledged)}`],
      [
        'duplicates (rows - distinct ids, ids > once)',
        `${fmt(v.rows - v.distinctIds)}, ${fmt(v.duplicatedIds)}`,
      ],
      ['lost (accepted, not stored)', fmt(v.lost)],
      ['extra (stored, not accepted)', fmt(v.extra)],
      [
        'faults: consumer SIGKILLs / PG restarts',
        `${consumerKills} / ${pgRestarts} (${CFG.pgStop}, ${CFG.pgDownSeconds} s down)`,
      ],
      [
        `faults: Kafka broker down + up (of ${CFG.brokers})`,
        `${brokerFaults} (${CFG.brokerDownSeconds} s down)`,
      ],
      ['consumer start failures', fmt(consumerStartFailures)],
      ['requests / retried', `${fmt(load.requests)} / ${fmt(load.retries)}`],
      ['503s seen', fmt(status503)],
      ['other non-200 answers', otherErrors === '' ? 'none' : otherErrors],
      ['max retries of one batch', fmt(load.maxRetriesOneBatch)],
      ['drain after load (s)', `${fmt(drainSeconds, 1)}${drained ? '' : ' (NOT drained)'}`],
      [
        'topic low watermarks all 0',
        `${state.lowMax === 0} (max msgs in a partition ${fmt(state.highMaxPartition)})`,
      ],
      ['DLQ messages', fmt(dlq)],
      [
        'API RSS first-min / last-min avg (MiB)',
        `${fmt(memory.api.firstMinuteAvgMiB, 1)} / ${fmt(memory.api.lastMinuteAvgMiB, 1)}`,
      ],
      [
        'API RSS peak sampled / VmHWM (MiB)',
        `${fmt(memory.api.peakSampledMiB, 1)} / ${fmt(memory.api.peakHwmMiB, 1)}`,
      ],
      [
        'consumer RSS first-min / last-min avg (MiB)',
        `${fmt(memory.consumer.firstMinuteAvgMiB, 1)} / ${fmt(memory.consumer.lastMinuteAvgMiB, 1)}`,
      ],
      [
        'consumer RSS peak sampled / max VmHWM (MiB)',
        `${fmt(memory.consumer.peakSampledMiB, 1)} / ${fmt(memory.consumer.peakHwmMiB, 1)}`,
      ],
      [
        'consumer VmHWM per process, first / last (MiB)',
        `${fmt(consumerPeaks[0] ?? Number.NaN, 1)} / ${fmt(consumerPeaks.at(-1) ?? Number.NaN, 1)}`,
      ],
      [
        'checks',
        ok
          ? 'all passed'
          : `FAILED: ${Object.entries(checks)
              .filter(([, b]) => !b)
              .map(([k]) => k)
              .join(', ')}`,
      ],
    ];
    const w0 = Math.max(...rowsOut.map((r) => r[0].length));
    const w1 = Math.max(...rowsOut.map((r) => r[1].length));
    const lines = rowsOut.map(([a, b]) => `${a.padEnd(w0)}  ${b.padStart(w1)}`);
    lines.splice(1, 0, `${'-'.repeat(w0)}  ${'-'.repeat(w1)}`);
    const header = `Tracksphere soak: ${CFG.minutes} min, ${startedAt.toISOString()}`;
    process.stdout.write(`\n${header}\n${lines.join('\n')}\n`);
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    const file = join(OUT_DIR, `soak-${stamp}.json`);
    await writeFile(
      file,
      `${JSON.stringify(
        {
          startedAt,
          config: CFG,
          ok,
          checks,
          load: { ...load, acceptedIds: undefined, seconds: loadSeconds },
          verification: v,
          topic: state,
          dlq,
          drainSeconds,
          faults,
          consumerKills,
          pgRestarts,
          brokerFaults,
          consumerStartFailures,
          memory,
          samples,
          table: lines,
        },
        null,
        2,
      )}\n`,
    );
    logTails.push(`--- api ---\n${api.output().slice(-20_000)}`);
    logTails.push(`--- last consumer ---\n${consumer.output().slice(-20_000)}`);
    await writeFile(join(OUT_DIR, `soak-${stamp}.log`), logTails.join('\n'));
    process.stdout.write(`\nwritten ${file} (process logs: soak-${stamp}.log)\n`);
    return ok;
  } finally {
    await stopProcess(consumer);
    await stopProcess(api);
    await mock.stop();
    await cluster.destroy();
    if (snap.dir !== undefined) await rm(snap.dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const ok = await runSoak();
  if (!ok) process.exitCode = 1;
}
