/**
 * `BENCH_ONLY=small` part of bench/run.ts: small requests against the simplest pipeline
 * (bench/reference.ts: Express route -> kafkajs producer, acks all -> consumer -> one INSERT per
 * message), in the same round, on the same kind of mock Kafka cluster and PostgreSQL.
 *
 * For each pipeline: a warm-up, then autocannon with BENCH_SMALL_CONNECTIONS (32) keep-alive
 * connections for BENCH_SMALL_SECONDS (20) sending one event per request, then the same with 100
 * events per request. Each request is a new batch (new ids) from a device of the least-loaded
 * partition (bench/lib.ts deviceAssigner, both pipelines key their messages by device id), so the
 * events spread evenly over the topic's partitions: the mock keeps only ~5 MiB per partition and
 * drops older messages, read or not, and the reference's consumer lags minutes behind its API
 * with 100 events per request. A consumer that never got rows the API acknowledged (2xx) fails
 * the run, saying whether the mock had dropped them (the low watermarks, and the reference
 * consumer's own report of skipped offsets) or not. End to end: from the first request until PostgreSQL holds every row (counted), so
 * events/s = rows stored / that time. Latency: autocannon's, per request (2xx only counted).
 * CPU: each process's (API, consumer, PostgreSQL's server processes, the mock broker) from
 * /proc over the same time, per 1,000 events stored, logged per load.
 */
import { cpus } from 'node:os';
import autocannon from 'autocannon';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import type { MockKafka } from '../test/harness/kafka-mock.js';
import { startMockKafka } from '../test/harness/kafka-mock.js';
import type { PgCluster } from '../test/harness/postgres.js';
import type { ServerProcess } from '../test/harness/process.js';
import { kafkaEnv, prepareDatabase, testKafkaSettings } from '../test/harness/server.js';
import {
  cpuSecondsOf,
  deviceAssigner,
  machineBusySeconds,
  makeEvent,
  memoryOf,
  postAs,
  sleep,
} from './lib.js';

export interface SmallLoad {
  eventsPerRequest: number;
  requests: number;
  /** Rows stored by the load (counted in PostgreSQL). */
  rows: number;
  seconds: number;
  eventsPerSec: number;
  /** autocannon's request latency (ms): median, mean, 99th percentile. */
  p50: number;
  mean: number;
  p99: number;
  failed: number;
  /** Requests answered 2xx per second of the load. */
  requestsPerSec: number;
  /**
   * During the load only (autocannon's seconds, not the settling): the API's CPU seconds per
   * second (1.0 = a whole core) and the whole machine's busy share of its cores (1.0 = all busy).
   * With 32 clients in a closed loop, requests/s = 32 / mean latency; an API near 1.0 is
   * CPU-bound, and its latency is the queue of the others' requests ahead of each.
   */
  apiBusy: number;
  machineBusy: number;
  /**
   * CPU ms per 1,000 events stored, from the load's start until the rows settled: the API, the
   * consumer, PostgreSQL (its server processes) and the mock broker, from /proc/<pid>/stat.
   */
  cpuMsPer1k: { api: number; consumer: number; postgres: number; broker: number };
}

export interface SmallPipeline {
  one: SmallLoad;
  hundred: SmallLoad;
}

export interface SmallResult {
  reference: SmallPipeline;
  tracksphere: SmallPipeline;
  /** Tracksphere built from BENCH_SMALL_BEFORE (a commit), when set: a change side by side. */
  before?: SmallPipeline;
  /** BENCH_SMALL_VARIANTS's pipelines, by name. */
  variants?: Record<string, SmallPipeline>;
}

export interface SmallDeps {
  partitions: number;
  devices: number;
  seconds: number;
  connections: number;
  pgPoolSize: number;
  partitionsConcurrency: number;
  log(msg: string): void;
  /** `before`: the bundles of BENCH_SMALL_BEFORE's commit instead of the working tree's. */
  startApi(
    env: Record<string, string>,
    before?: boolean,
  ): Promise<{ proc: ServerProcess; url: string }>;
  startConsumer(env: Record<string, string>, before?: boolean): Promise<ServerProcess>;
  /** bench/reference.ts (REF_ROLE in env), run as the API is (compiled or through tsx). */
  startReference(env: Record<string, string>): ServerProcess;
  registerDevices(url: string, n: number): Promise<Array<{ deviceId: string; token: string }>>;
  stopProcess(proc: ServerProcess | undefined): Promise<void>;
  dropDatabase(url: string): Promise<void>;
  profileEnv(tag: string): Record<string, string>;
  /** Marks the 1-event-per-request window in the CPU profiles (BENCH_CPU_PROF=1). */
  markWindow(tags: string[], startUs: number, endUs: number): Promise<void>;
}

const monoUs = (): number => Number(process.hrtime.bigint() / 1000n);

function body(n: number): string {
  const now = Date.now();
  const events = Array.from({ length: n }, () => makeEvent(now));
  return JSON.stringify({ batchId: uuidv7(), sentAt: new Date(now).toISOString(), events });
}

/** Picks the token of each request's device, given its number of events. */
type Tokens = (events: number) => string;

/** autocannon for `seconds`, each request a fresh batch of `n` events from the next token. */
async function load(
  url: string,
  tokens: Tokens,
  n: number,
  seconds: number,
  connections: number,
): Promise<{ requests: number; p50: number; mean: number; p99: number; failed: number }> {
  const result = await autocannon({
    url: `${url}/api/v1/events`,
    method: 'POST',
    connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => postAs(req, tokens(n), body(n)),
      },
    ],
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  return {
    requests: result['2xx'],
    p50: result.latency.p50,
    mean: result.latency.average,
    p99: result.latency.p99,
    failed,
  };
}

function emptyLoad(n: number): SmallLoad {
  const nan = Number.NaN;
  return {
    eventsPerRequest: n,
    requests: 0,
    rows: 0,
    seconds: nan,
    eventsPerSec: nan,
    p50: nan,
    mean: nan,
    p99: nan,
    failed: 0,
    requestsPerSec: nan,
    apiBusy: nan,
    machineBusy: nan,
    cpuMsPer1k: { api: nan, consumer: nan, postgres: nan, broker: nan },
  };
}

interface Pids {
  api: number | undefined;
  consumer: number | undefined;
  broker: number | undefined;
}

/** CPU seconds so far of each process of a pipeline; PostgreSQL's summed over its processes. */
async function cpuNow(
  pool: pg.Pool,
  pids: Pids,
): Promise<{ api: number; consumer: number; broker: number; pg: Map<number, number> }> {
  const r = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity');
  const pgCpu = new Map<number, number>();
  for (const { pid } of r.rows) pgCpu.set(pid, await cpuSecondsOf(pid));
  return {
    api: await cpuSecondsOf(pids.api),
    consumer: await cpuSecondsOf(pids.consumer),
    broker: await cpuSecondsOf(pids.broker),
    pg: pgCpu,
  };
}

async function count(pool: pg.Pool, table: string): Promise<number> {
  const r = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(r.rows[0]?.n);
}

/**
 * Polls until the count reaches `atLeast` and stays put for a second; when it first got there.
 * Gives up only once the count has not moved for 30 s: on a quiet machine the reference's
 * consumer (an INSERT a message) stores 100-event requests minutes after its API took them.
 * A count(*) of a million rows costs PostgreSQL tens of ms, so far from `atLeast` the polls are a
 * second apart, and 50 ms apart only for the last 2 % (where the time of the last row is read):
 * polled every 50 ms throughout, the bench's own counts took a share of the cores from the
 * pipeline it was timing. Never closer than 4× the last count's time (at most a fifth of a
 * core), so the time of the last row is read to within that interval.
 */
async function settled(pool: pg.Pool, table: string, atLeast: number): Promise<[number, number]> {
  let last = -1;
  let lastChange = performance.now();
  while (performance.now() - lastChange < 30_000) {
    const at = performance.now();
    const n = await count(pool, table);
    if (n !== last) {
      last = n;
      lastChange = at;
    } else if (n >= atLeast && at - lastChange >= 1_000) {
      return [n, lastChange];
    }
    const took = performance.now() - at;
    // At least 4× what the count took: a count(*) of the 100-event load's ~10^6 rows takes
    // PostgreSQL tens to hundreds of ms, and polled back to back it held a core the pipeline's
    // last rows (the consumer's tail) were waiting for.
    const interval = Math.max(n < atLeast * 0.9 ? 1_000 : n < atLeast * 0.98 ? 250 : 50, 4 * took);
    await sleep(Math.max(0, interval - took));
  }
  throw new Error(`${table}: ${last} rows, expected at least ${atLeast}, none more in 30 s`);
}

/** The low watermark of each partition of the topic that is not 0: the mock dropped its start. */
async function droppedStarts(brokers: string[], topic: string): Promise<string[]> {
  const kafka = new Kafka({ clientId: 'bench-admin', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.filter((o) => o.low !== '0').map((o) => `${o.partition}: ${o.low}`);
  } finally {
    await admin.disconnect();
  }
}

interface Watch {
  brokers: string[];
  topic: string;
  consumer: ServerProcess;
}

/**
 * settled(), and when the rows never all arrive, why as far as the bench can see: whether the
 * mock dropped the start of partitions (low watermarks > 0; the mock keeps ~5 MiB per partition)
 * and whether the consumer said it skipped offsets (the reference's does).
 */
async function settledOrWhy(
  pool: pg.Pool,
  table: string,
  atLeast: number,
  watch: Watch,
): Promise<[number, number]> {
  try {
    return await settled(pool, table, atLeast);
  } catch (err) {
    const dropped = await droppedStarts(watch.brokers, watch.topic).catch((e: Error) => [
      `(low watermarks not read: ${e.message})`,
    ]);
    const skipped = watch.consumer
      .output()
      .split('\n')
      .filter((l) => /skipped partition|Offset out of range/.test(l));
    throw new Error(
      `${(err as Error).message}; the mock's low watermarks not 0 (partition: offset): ${dropped.length === 0 ? 'none' : dropped.join(', ')}; the consumer's reports of skipped offsets: ${skipped.length === 0 ? 'none' : `${skipped.length}, first: ${skipped.slice(0, 3).join(' | ')}`}`,
    );
  }
}

async function measured(
  deps: SmallDeps,
  pool: pg.Pool,
  table: string,
  url: string,
  tokens: Tokens,
  n: number,
  pids: Pids,
  watch: Watch,
): Promise<SmallLoad> {
  const before = await count(pool, table);
  const cpu0 = await cpuNow(pool, pids);
  const t0 = performance.now();
  const machine0 = await machineBusySeconds();
  const r = await load(url, tokens, n, deps.seconds, deps.connections);
  const loadSeconds = (performance.now() - t0) / 1000;
  const apiLoadCpu = (await cpuSecondsOf(pids.api)) - cpu0.api;
  const machineLoadCpu = (await machineBusySeconds()) - machine0;
  // Only answers 2xx are owed rows: a request that failed or was cut off at the end of the load
  // may still be stored (more rows than owed), never counted as owed.
  const [after, doneAt] = await settledOrWhy(pool, table, before + r.requests * n, watch);
  const cpu1 = await cpuNow(pool, pids);
  const rows = after - before;
  const seconds = (doneAt - t0) / 1000;
  const per1k = (cpuSeconds: number): number => (1e6 * cpuSeconds) / rows;
  let pgSeconds = 0;
  for (const [pid, t] of cpu1.pg) if (Number.isFinite(t)) pgSeconds += t - (cpu0.pg.get(pid) ?? 0);
  return {
    eventsPerRequest: n,
    requests: r.requests,
    rows,
    seconds,
    eventsPerSec: rows / seconds,
    p50: r.p50,
    mean: r.mean,
    p99: r.p99,
    failed: r.failed,
    requestsPerSec: r.requests / deps.seconds,
    apiBusy: apiLoadCpu / loadSeconds,
    machineBusy: machineLoadCpu / loadSeconds / cpus().length,
    // The settling polls (every 50 ms) add a little to PostgreSQL's, as they do to both pipelines.
    cpuMsPer1k: {
      api: per1k(cpu1.api - cpu0.api),
      consumer: per1k(cpu1.consumer - cpu0.consumer),
      postgres: per1k(pgSeconds),
      broker: per1k(cpu1.broker - cpu0.broker),
    },
  };
}

/** The mock cluster; retried: since cc801dc it sometimes prints no bootstrap line within 10 s. */
async function startMock(deps: SmallDeps, topic: string): Promise<MockKafka> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startMockKafka({
        topics: [
          { name: topic, partitions: deps.partitions },
          { name: `${topic}.dlq`, partitions: 1 },
        ],
      });
    } catch (err) {
      if (attempt >= 6) throw err;
      deps.log(`mock Kafka did not start (${(err as Error).message.split('\n')[0]}); again`);
    }
  }
}

async function onePipeline(
  deps: SmallDeps,
  cluster: PgCluster,
  kind: 'reference' | 'tracksphere' | 'before',
  round: number,
  variant?: Variant,
): Promise<SmallPipeline> {
  const name = variant === undefined ? kind : `${kind} [${variant.name}]`;
  const databaseUrl = await cluster.createDatabase(
    `bench_small_${kind}${variant === undefined ? '' : `_${variant.name.replace(/\W/g, '_')}`}`,
  );
  const topic = kind === 'reference' ? 'ref.v1' : 'visits.v1';
  let mock: MockKafka | undefined;
  let api: ServerProcess | undefined;
  let consumer: ServerProcess | undefined;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', () => {});
  try {
    mock = await startMock(deps, topic);
    const settings = testKafkaSettings(mock.brokers, topic);
    let url: string;
    let devices: Array<{ deviceId: string; token: string }>;
    let table: string;
    if (kind === 'reference') {
      const env = {
        KAFKA_BROKERS: mock.brokers.join(','),
        REF_TOPIC: topic,
        DATABASE_URL: databaseUrl,
        PG_POOL_SIZE: String(deps.pgPoolSize),
        KAFKA_PARTITIONS_CONCURRENCY: String(deps.partitionsConcurrency),
        KAFKA_MAX_WAIT_MS: String(settings.maxWaitMs),
        KAFKA_SESSION_TIMEOUT_MS: String(settings.sessionTimeoutMs),
      };
      api = deps.startReference({
        ...env,
        ...deps.profileEnv(`small-ref-api-r${round}`),
        REF_ROLE: 'api',
      });
      await api.waitForOutput(/reference api ready/, 60_000);
      url = (/reference api ready (\S+)/.exec(api.output()) as RegExpExecArray)[1] as string;
      consumer = deps.startReference({
        ...env,
        ...deps.profileEnv(`small-ref-consumer-r${round}`),
        REF_ROLE: 'consumer',
      });
      await consumer.waitForOutput(/reference consumer running/, 60_000);
      // Device ids as Tracksphere's would be; the reference reads only the id part.
      devices = Array.from({ length: deps.devices }, () => {
        const deviceId = crypto.randomUUID();
        return { deviceId, token: `${deviceId}.secret` };
      });
      table = 'ref_visits';
    } else {
      await prepareDatabase(databaseUrl);
      const env = { DATABASE_URL: databaseUrl, ...kafkaEnv(settings), ...variant?.env };
      const tag =
        kind === 'before'
          ? 'small-before'
          : variant === undefined
            ? 'small'
            : `small-${variant.name}`;
      const before = kind === 'before';
      const started = await deps.startApi(
        { ...env, ...deps.profileEnv(`${tag}-api-r${round}`) },
        before,
      );
      api = started.proc;
      url = started.url;
      devices = await deps.registerDevices(url, deps.devices);
      consumer = await deps.startConsumer(
        { ...env, ...deps.profileEnv(`${tag}-consumer-r${round}`) },
        before,
      );
      table = 'visits';
    }
    const assigner = deviceAssigner(devices, topic, deps.partitions);
    const tokens: Tokens = (events) => assigner.next(events);
    const watch = { brokers: mock.brokers, topic, consumer };
    // Warm-up (JIT, connections, the consumer group's join, every device's first request).
    const warm = await load(url, tokens, 1, 3, deps.connections);
    if (warm.failed > 0) throw new Error(`${name}: ${warm.failed} warm-up requests failed`);
    await settledOrWhy(pool, table, warm.requests, watch);
    deps.log(`small ${name} r${round}: 1 event per request, ${deps.seconds} s`);
    const pids = { api: api.proc.pid, consumer: consumer.proc.pid, broker: mock.pid };
    const windowStart = monoUs();
    const one = await measured(deps, pool, table, url, tokens, 1, pids, watch);
    const tags = {
      reference: ['small-ref-api', 'small-ref-consumer'],
      tracksphere: ['small-api', 'small-consumer'],
      before: ['small-before-api', 'small-before-consumer'],
    }[kind].map((t) => (variant === undefined ? t : t.replace('small-', `small-${variant.name}-`)));
    await deps.markWindow(
      tags.map((t) => `${t}-r${round}`),
      windowStart,
      monoUs(),
    );
    let hundred = emptyLoad(100);
    if (variant === undefined || variant.hundred) {
      deps.log(`small ${name} r${round}: 100 events per request, ${deps.seconds} s`);
      hundred = await measured(deps, pool, table, url, tokens, 100, pids, watch);
    }
    // Pruned but read in time is harmless; said because it is how the mock loses unread rows.
    const dropped = await droppedStarts(mock.brokers, topic);
    const [apiMem, consumerMem] = [await memoryOf(api.proc.pid), await memoryOf(consumer.proc.pid)];
    deps.log(
      `small ${name} r${round}: peak RSS API ${apiMem.hwm.toFixed(0)} MiB, consumer ${consumerMem.hwm.toFixed(0)} MiB`,
    );
    if (dropped.length > 0) {
      deps.log(
        `small ${name} r${round}: the mock dropped the start of ${dropped.length} partitions (${dropped.slice(0, 5).join(', ')})`,
      );
    }
    for (const l of [one, hundred]) {
      if (l.requests === 0) continue;
      if (l.failed > 0) deps.log(`WARNING small ${name}: ${l.failed} requests failed`);
      const c = l.cpuMsPer1k;
      deps.log(
        `small ${name} r${round}, ${l.eventsPerRequest} per request: ${Math.round(l.eventsPerSec)} events/s end to end, ${Math.round(l.requestsPerSec)} requests/s, latency p50 / mean / p99 ${l.p50} / ${l.mean.toFixed(1)} / ${l.p99} ms; during the load the API busy ${l.apiBusy.toFixed(2)} of a core, the machine ${(100 * l.machineBusy).toFixed(0)} % busy; CPU ms per 1,000 events: API ${c.api.toFixed(0)}, consumer ${c.consumer.toFixed(0)}, PostgreSQL ${c.postgres.toFixed(0)}, broker ${c.broker.toFixed(0)}`,
      );
    }
    return { one, hundred };
  } finally {
    await pool.end();
    await deps.stopProcess(consumer);
    await deps.stopProcess(api);
    await mock?.stop();
    await deps.dropDatabase(databaseUrl).catch((e: Error) => deps.log(`drop: ${e.message}`));
  }
}

/**
 * BENCH_SMALL_VARIANTS: more Tracksphere pipelines in the same round, each with environment
 * variables of its own, to put settings side by side: `name:KEY=value,KEY=value;name2:...`.
 * They run the 1-event load only, unless BENCH_SMALL_VARIANT_HUNDRED=1 or the name ends in `+100`.
 */
export interface Variant {
  name: string;
  env: Record<string, string>;
  hundred: boolean;
}

export function parseVariants(spec: string | undefined, hundred: boolean): Variant[] {
  if (spec === undefined || spec.trim() === '') return [];
  return spec
    .split(';')
    .filter((v) => v.trim() !== '')
    .map((v) => {
      const colon = v.indexOf(':');
      const name = (colon === -1 ? v : v.slice(0, colon)).trim();
      const env: Record<string, string> = {};
      for (const kv of colon === -1 ? [] : v.slice(colon + 1).split(',')) {
        const eq = kv.indexOf('=');
        if (eq > 0) env[kv.slice(0, eq).trim()] = kv.slice(eq + 1).trim();
      }
      return { name, env, hundred: hundred || name.endsWith('+100') };
    });
}

/**
 * One round: the reference pipeline, then Tracksphere's Kafka mode; with BENCH_SMALL_BEFORE set,
 * Tracksphere of that commit too, before the working tree's on odd rounds and after on even ones.
 */
export async function smallRequests(
  deps: SmallDeps,
  cluster: PgCluster,
  round: number,
): Promise<SmallResult> {
  // BENCH_SMALL_PIPELINES=tracksphere (or reference) runs one alone, e.g. to profile it.
  const which = (process.env.BENCH_SMALL_PIPELINES ?? 'reference,tracksphere').split(',');
  const none: SmallPipeline = { one: emptyLoad(1), hundred: emptyLoad(100) };
  const reference = which.includes('reference')
    ? await onePipeline(deps, cluster, 'reference', round)
    : none;
  const withBefore = process.env.BENCH_SMALL_BEFORE !== undefined;
  let before: SmallPipeline | undefined;
  if (withBefore && round % 2 === 1) before = await onePipeline(deps, cluster, 'before', round);
  const tracksphere = which.includes('tracksphere')
    ? await onePipeline(deps, cluster, 'tracksphere', round)
    : none;
  if (withBefore && round % 2 === 0) before = await onePipeline(deps, cluster, 'before', round);
  const variants: Record<string, SmallPipeline> = {};
  const specs = parseVariants(
    process.env.BENCH_SMALL_VARIANTS,
    process.env.BENCH_SMALL_VARIANT_HUNDRED === '1',
  );
  for (const v of specs)
    variants[v.name] = await onePipeline(deps, cluster, 'tracksphere', round, v);
  const extra = specs.length === 0 ? {} : { variants };
  return before === undefined
    ? { reference, tracksphere, ...extra }
    : { reference, tracksphere, before, ...extra };
}
