/** Helpers for bench/run.ts: data generation, HTTP load, statistics, process memory. */
import { readFile } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- statistics

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function median(values: readonly number[]): number {
  const ok = values.filter((v) => Number.isFinite(v));
  if (ok.length === 0) return Number.NaN;
  const sorted = [...ok].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

// ---------------------------------------------------------------- events

export interface BenchEvent {
  id: string;
  type: 'visit';
  url: string;
  domain: string;
  title: string;
  startedAt: string;
  endedAt: string;
  activeMs: number;
  sessionId: string;
  transition: string;
}

const DOMAINS = ['example.com', 'news.example.org', 'docs.example.net', 'shop.example.io'];
const TRANSITIONS = ['link', 'typed', 'reload', 'auto_bookmark', 'form_submit'];
let seq = 0;

/** A plausible visit that ended a little before now (inside the current monthly partition). */
export function makeEvent(now = Date.now()): BenchEvent {
  seq++;
  const domain = DOMAINS[seq % DOMAINS.length] as string;
  const end = now - 1_000 - (seq % 600_000);
  const start = end - 5_000 - (seq % 120_000);
  return {
    id: uuidv7(),
    type: 'visit',
    url: `https://${domain}/articles/${seq}/some-readable-slug-${seq % 97}?page=${seq % 7}`,
    domain,
    title: `Article ${seq}: a title of ordinary length for a web page`,
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(end).toISOString(),
    activeMs: 1_000 + (seq % 60_000),
    sessionId: '0190a6f2-0000-7000-8000-000000000001',
    transition: TRANSITIONS[seq % TRANSITIONS.length] as string,
  };
}

export function gzipBatch(events: BenchEvent[]): Buffer {
  return gzipSync(JSON.stringify({ batchId: uuidv7(), sentAt: new Date().toISOString(), events }), {
    level: 6,
  });
}

export interface PreparedBatch {
  events: BenchEvent[];
  body: Buffer;
}

/** total events cut into gzipped batches of random size in [minSize, maxSize] (deterministic). */
export function prepareBatches(total: number, minSize: number, maxSize: number): PreparedBatch[] {
  const batches: PreparedBatch[] = [];
  let made = 0;
  let rnd = 12345;
  const now = Date.now();
  while (made < total && batches.length < 1_000_000) {
    rnd = (rnd * 1103515245 + 12345) & 0x7fffffff;
    const size = Math.min(total - made, minSize + (rnd % (maxSize - minSize + 1)));
    const events = Array.from({ length: size }, () => makeEvent(now));
    batches.push({ events, body: gzipBatch(events) });
    made += size;
  }
  return batches;
}

// ---------------------------------------------------------------- HTTP

export interface PostResult {
  status: number;
  body: string;
  /** The Retry-After header of a 429/503, for clients that retry. */
  retryAfter: string | undefined;
  sentAt: number;
  doneAt: number;
}

export function makeAgent(concurrency: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
}

/** POSTs one gzipped batch; bounded by a 30 s timeout. */
export function postBatch(
  agent: Agent,
  baseUrl: string,
  token: string,
  body: Buffer,
): Promise<PostResult> {
  const url = new URL(`${baseUrl}/api/v1/events`);
  const sentAt = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        timeout: 30_000,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': String(body.length),
          'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            retryAfter: res.headers['retry-after'],
            sentAt,
            doneAt: performance.now(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out after 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

export function checkAccepted(r: PostResult, expected: number): void {
  if (r.status !== 200) throw new Error(`ingest answered ${r.status}: ${r.body.slice(0, 500)}`);
  const accepted = (JSON.parse(r.body) as { accepted?: number }).accepted;
  if (accepted !== expected) {
    throw new Error(`ingest accepted ${accepted} of ${expected}: ${r.body.slice(0, 500)}`);
  }
}

/**
 * Closed loop: `concurrency` workers take jobs from a shared index until all are done or the
 * deadline passes. Returns per-request latencies (ms).
 */
export async function closedLoop(opts: {
  jobs: number;
  concurrency: number;
  deadlineMs: number;
  run: (job: number) => Promise<number>;
}): Promise<{ latencies: number[]; done: number }> {
  const latencies: number[] = [];
  let next = 0;
  const stopAt = performance.now() + opts.deadlineMs;
  const worker = async (): Promise<void> => {
    while (next < opts.jobs && performance.now() < stopAt) {
      const job = next++;
      latencies.push(await opts.run(job));
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, () => worker()));
  return { latencies, done: latencies.length };
}

// ---------------------------------------------------------------- memory

/** Peak and current resident set of a process, in MiB, from /proc/<pid>/status. */
export async function memoryOf(pid: number | undefined): Promise<{ hwm: number; rss: number }> {
  if (pid === undefined) return { hwm: Number.NaN, rss: Number.NaN };
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return m === null ? Number.NaN : Number(m[1]) / 1024;
    };
    return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return { hwm: Number.NaN, rss: Number.NaN };
  }
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat. */
export async function cpuSecondsOf(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name "(...)": state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

/**
 * Busy CPU time of the whole machine so far (all cores; user, nice, system,
 * irq, softirq), in seconds, from /proc/stat: what every process of a phase
 * used together, the bench's own and ones it does not name included.
 */
export async function machineBusySeconds(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0] ?? '';
  const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) / 100;
}

/** The partition kafkajs's DefaultPartitioner (the producer's) picks for a device id. */
export function partitionOf(topic: string, deviceId: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from(
    { length: partitions },
    (_, i) =>
      ({
        partitionErrorCode: 0,
        partitionId: i,
        leader: 1,
        replicas: [1],
        isr: [1],
      }) as PartitionMetadata,
  );
  return partitioner({ topic, partitionMetadata, message: { key: deviceId, value: '' } });
}

/**
 * Picks the device for each batch: one of the least-loaded partition's devices, in turn. The mock
 * Kafka keeps only ~5 MiB per partition, so events are spread evenly over the partitions.
 */
export function deviceAssigner(
  devices: Array<{ deviceId: string; token: string }>,
  topic: string,
  partitions: number,
): { next(events: number): string; partitionsUsed: number } {
  const byPartition = new Map<number, string[]>();
  for (const d of devices) {
    const p = partitionOf(topic, d.deviceId, partitions);
    byPartition.set(p, [...(byPartition.get(p) ?? []), d.token]);
  }
  const parts = [...byPartition.values()].map((tokens) => ({ tokens, load: 0, rr: 0 }));
  return {
    partitionsUsed: parts.length,
    next(events: number): string {
      let best = parts[0];
      for (const part of parts) if (best === undefined || part.load < best.load) best = part;
      if (best === undefined) throw new Error('no devices');
      best.load += events;
      return best.tokens[best.rr++ % best.tokens.length] as string;
    },
  };
}

const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** autocannon's `req` made a batch POST as a browser sends it: the device's token, JSON, Firefox. */
export const postAs = (req: Record<string, unknown>, token: string | undefined, body: string) => ({
  ...req,
  method: 'POST',
  headers: {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    'user-agent': FIREFOX_UA,
  },
  body,
});
