/**
 * Throw-away Kafka clusters for integration tests: librdkafka's built-in mock cluster (it speaks
 * the real Kafka wire protocol, so kafkajs talks to it like to a real broker), run as a child
 * process built from `kafka-mock.c` next to this file.
 *
 * The C program is compiled on demand (needs gcc, pkg-config and librdkafka-dev) into
 * `node_modules/.cache/tracksphere/kafka-mock`, and rebuilt only when the binary is missing or
 * older than the source. Parallel test files may compile at the same time: each compiles to its
 * own temp name and renames it into place atomically, so nobody ever runs a half-written binary.
 *
 * The child sets PR_SET_PDEATHSIG=SIGKILL, so if the Node process (more precisely the thread that
 * spawned it) dies, even by SIGKILL, the kernel kills the mock too: no orphans.
 *
 * Limits of the mock measured with kafkajs 2.2.4 (librdkafka 2.0.2):
 * - CreateTopics is not supported: `admin.createTopics` fails. Declare topics in `startMockKafka`.
 * - kafkajs's idempotent producer (`idempotent: true`) fails against it; don't use it.
 * - Each partition keeps only ~5 MiB of log in memory; older messages are dropped.
 * - An empty fetch waits the full `maxWaitTimeInMs`, and a group's first join waits ~3 s, so
 *   consumers in tests should use `maxWaitTimeInMs: 100`, `sessionTimeout: 3000`,
 *   `rebalanceTimeout: 3000`, `heartbeatInterval: 300`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'kafka-mock.c');
const CACHE_DIR = resolve(HERE, '../../node_modules/.cache/tracksphere');
const BINARY = join(CACHE_DIR, 'kafka-mock');

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const STDERR_KEEP_CHARS = 16_000;
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
const MAX_BROKERS = 16;
const MAX_PARTITIONS = 10_000;

/**
 * Default broker count: 1. A 3-broker mock also works with kafkajs (measured: acks -1 producer,
 * consumer groups, metadata with replicas [1,2,3], 6/6 runs fine), but it buys nothing for our
 * tests (the mock has no real replication or failover worth exercising here) and costs time:
 * kafkajs consumer disconnect takes ~100 ms instead of ~3 ms, and the mock's own teardown
 * (rd_kafka_mock_cluster_destroy) then often takes ~1 s instead of ~3 ms. Pass `brokers: 3`
 * when a test needs partitions led by different brokers.
 */
const DEFAULT_BROKERS = 1;

export interface MockKafka {
  /** Bootstrap servers as `host:port` strings, ready for `new Kafka({ brokers })`. */
  brokers: string[];
  /** The mock cluster's process (all its brokers run in it), for CPU figures. */
  pid: number | undefined;
  /** Stops the mock cluster (all its data is lost); safe to call more than once. */
  stop(): Promise<void>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
}

/** Mocks not yet stopped; killed when this process exits normally (PDEATHSIG covers crashes). */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

let binaryReady: Promise<string> | undefined;

/** Path of an up-to-date kafka-mock binary, compiling it if needed (once per process). */
function ensureBinary(): Promise<string> {
  if (binaryReady === undefined) {
    binaryReady = buildIfStale().catch((error: unknown) => {
      binaryReady = undefined; // let a later call retry
      throw error;
    });
  }
  return binaryReady;
}

async function mtimeMs(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

function processOutput(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { stdout, stderr, message } = error as {
      stdout?: unknown;
      stderr?: unknown;
      message?: unknown;
    };
    const parts = [stderr, stdout].filter((p): p is string => typeof p === 'string' && p !== '');
    if (parts.length > 0) return parts.join('\n').trim();
    if (typeof message === 'string') return message;
  }
  return String(error);
}

async function buildIfStale(): Promise<string> {
  const sourceTime = await mtimeMs(SOURCE);
  if (sourceTime === undefined) throw new Error(`kafka-mock: source not found: ${SOURCE}`);
  const binaryTime = await mtimeMs(BINARY);
  if (binaryTime !== undefined && binaryTime >= sourceTime) return BINARY;

  let flags: string[];
  try {
    const { stdout } = await execFileAsync('pkg-config', ['--cflags', '--libs', 'rdkafka']);
    flags = stdout.split(/\s+/).filter((f) => f !== '');
  } catch (error) {
    throw new Error(
      `kafka-mock: \`pkg-config --cflags --libs rdkafka\` failed (is librdkafka-dev installed?):\n${processOutput(error)}`,
    );
  }

  await mkdir(CACHE_DIR, { recursive: true });
  const temp = `${BINARY}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await execFileAsync('gcc', ['-O2', '-o', temp, SOURCE, ...flags]);
    await rename(temp, BINARY); // atomic: concurrent builders each replace it with a full binary
  } catch (error) {
    await rm(temp, { force: true });
    throw new Error(`kafka-mock: compiling ${SOURCE} failed:\n${processOutput(error)}`);
  }
  return BINARY;
}

function validate(brokers: number, topics: readonly TopicSpec[]): void {
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > MAX_BROKERS) {
    throw new Error(`kafka-mock: brokers must be an integer 1..${MAX_BROKERS}, got ${brokers}`);
  }
  if (topics.length === 0) {
    throw new Error(
      'kafka-mock: declare at least one topic (the mock does not support CreateTopics)',
    );
  }
  const seen = new Set<string>();
  for (const { name, partitions } of topics) {
    if (!TOPIC_NAME.test(name) || name === '.' || name === '..') {
      throw new Error(`kafka-mock: invalid topic name ${JSON.stringify(name)}`);
    }
    if (seen.has(name)) throw new Error(`kafka-mock: topic ${JSON.stringify(name)} listed twice`);
    seen.add(name);
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new Error(
        `kafka-mock: topic ${name}: partitions must be an integer 1..${MAX_PARTITIONS}, got ${partitions}`,
      );
    }
  }
}

/**
 * Starts a mock Kafka cluster with the given topics (replication factor min(3, brokers)).
 * Topics must be declared here: the mock does not support CreateTopics.
 */
export async function startMockKafka(opts: {
  brokers?: number;
  topics: TopicSpec[];
}): Promise<MockKafka> {
  const brokerCount = opts.brokers ?? DEFAULT_BROKERS;
  validate(brokerCount, opts.topics);
  const binary = await ensureBinary();

  const args = [String(brokerCount), ...opts.topics.map((t) => `${t.name}:${t.partitions}`)];
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  installExitHook();

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP_CHARS);
  });
  // EPIPE on stdin if the child died early: the 'exit' handling below reports it.
  child.stdin.on('error', () => {});

  let stopping = false;
  let bootstrapped = false;
  const exited = new Promise<void>((resolveExit) => {
    child.once('close', (code, signal) => {
      live.delete(child);
      if (!stopping && bootstrapped) {
        process.stderr.write(
          `kafka-mock: mock cluster exited unexpectedly (code ${code}, signal ${signal})\n${stderr}\n`,
        );
      }
      resolveExit();
    });
  });

  let line: string;
  try {
    line = await readFirstLine(child, () => stderr);
    bootstrapped = true;
  } catch (error) {
    stopping = true;
    child.kill('SIGKILL');
    await exited;
    throw error;
  }

  const brokers = line
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) {
    stopping = true;
    child.kill('SIGKILL');
    await exited;
    throw new Error(`kafka-mock: empty bootstrap servers line ${JSON.stringify(line)}`);
  }

  // Keep draining stdout; don't let a forgotten stop() keep the test process alive.
  child.stdout.resume();
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void }).unref?.();
  }

  let stopped: Promise<void> | undefined;
  return {
    brokers,
    pid: child.pid,
    stop(): Promise<void> {
      if (stopped === undefined) {
        stopping = true;
        stopped = (async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.stdin.end(); // EOF makes it shut down; SIGTERM too, whichever comes first
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
            try {
              await exited;
            } finally {
              clearTimeout(timer);
            }
          } else {
            await exited;
          }
        })();
      }
      return stopped;
    },
  };
}

/** Resolves with the child's first stdout line; rejects on early exit, spawn error or timeout. */
function readFirstLine(child: ChildProcess, stderr: () => string): Promise<string> {
  const stdout = child.stdout;
  if (stdout === null) return Promise.reject(new Error('kafka-mock: no stdout pipe'));
  return new Promise<string>((resolveLine, rejectLine) => {
    let buffer = '';
    const cleanup = (): void => {
      clearTimeout(timer);
      stdout.off('data', onData);
      child.off('error', onError);
      child.off('close', onClose);
    };
    const fail = (reason: string): void => {
      cleanup();
      const details = stderr().trim();
      rejectLine(
        new Error(`kafka-mock: ${reason}${details === '' ? '' : `\n--- stderr ---\n${details}`}`),
      );
    };
    const onData = (chunk: string): void => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline >= 0) {
        cleanup();
        stdout.pause();
        resolveLine(buffer.slice(0, newline).trim());
      }
    };
    const onError = (error: Error): void => fail(`failed to spawn: ${error.message}`);
    // 'close' (not 'exit'): by then stderr has been read to the end.
    const onClose = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(
        `exited before printing its bootstrap servers (code ${code}, signal ${signal}): ${child.spawnargs.join(' ')}`,
      );
    const timer = setTimeout(
      () => fail(`no bootstrap servers line within ${START_TIMEOUT_MS} ms`),
      START_TIMEOUT_MS,
    );
    stdout.setEncoding('utf8');
    stdout.on('data', onData);
    child.on('error', onError);
    child.on('close', onClose);
  });
}
