/**
 * Throw-away Kafka clusters for integration tests: librdkafka's built-in mock cluster (it speaks
 * the real Kafka wire protocol, so kafkajs talks to it like to a real broker), run as a child
 * process built from `kafka-mock.c` next to this file.
 *
 * The C program is compiled on demand (needs gcc, pkg-config and librdkafka-dev) into
 * `node_modules/.cache/tracksphere/kafka-mock-<hash of the source>`, once per version of the
 * source: copies of the repository sharing node_modules (snapshots of another commit) never run
 * each other's. Parallel test files may compile at the same time: each compiles to its own temp
 * name and renames it into place atomically, so nobody ever runs a half-written binary.
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
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'kafka-mock.c');
const CACHE_DIR = resolve(HERE, '../../node_modules/.cache/tracksphere');

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const STDERR_KEEP_CHARS = 16_000;
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
const MAX_BROKERS = 16;
const MAX_PARTITIONS = 10_000;

/**
 * Default broker count: 1. A 3-broker mock also works with kafkajs (measured: acks -1 producer,
 * consumer groups, metadata with replicas [1,2,3], 6/6 runs fine), but it buys nothing for most
 * tests (the mock keeps one log per partition; failover is brokerDown moving leaders) and costs time:
 * kafkajs consumer disconnect takes ~100 ms instead of ~3 ms, and the mock's own teardown
 * (rd_kafka_mock_cluster_destroy) then often takes ~1 s instead of ~3 ms. Pass `brokers: 3`
 * when a test needs partitions led by different brokers or a broker to fail (brokerDown).
 */
const DEFAULT_BROKERS = 1;

export interface MockKafka {
  /** Bootstrap servers as `host:port` strings, ready for `new Kafka({ brokers })`. */
  brokers: string[];
  /** The mock cluster's process (all its brokers run in it), for CPU figures. */
  pid: number | undefined;
  /**
   * Runs one command of kafka-mock.c (down, up, leader, coordinator) and resolves with its
   * answer ("ok ..."); rejects when the mock answers "error ...". Commands run one at a time.
   */
  command(line: string): Promise<string>;
  /**
   * Takes broker `id` (1-based) down as a crash would: it refuses connections, and the
   * partitions it leads and the coordinators set on it (setCoordinator) move to the next broker
   * up, as a real cluster's controller would move them. Needs 2+ brokers to keep serving.
   */
  brokerDown(id: number): Promise<{ partitionsMoved: number; coordinatorsMoved: number }>;
  /** Brings broker `id` back; the partitions and coordinators it prefers move back to it. */
  brokerUp(id: number): Promise<{ partitionsMoved: number; coordinatorsMoved: number }>;
  /** Places a consumer group's coordinator on broker `id` (the mock hashes the group otherwise). */
  setCoordinator(groupId: string, id: number): Promise<void>;
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
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
  let source: Buffer;
  try {
    source = await readFile(SOURCE);
  } catch {
    throw new Error(`kafka-mock: source not found: ${SOURCE}`);
  }
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const binary = join(CACHE_DIR, `kafka-mock-${hash}`);
  if (await exists(binary)) return binary;

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
  const temp = `${binary}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await execFileAsync('gcc', ['-O2', '-o', temp, SOURCE, ...flags]);
    await rename(temp, binary); // atomic: concurrent builders each replace it with a full binary
  } catch (error) {
    await rm(temp, { force: true });
    throw new Error(`kafka-mock: compiling ${SOURCE} failed:\n${processOutput(error)}`);
  }
  return binary;
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
 * Starts a mock Kafka cluster with the given topics (replication factor min(3, brokers); partition
 * p led by broker (p % replication factor) + 1). Topics must be declared here: the mock does not
 * support CreateTopics.
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

  // Each later stdout line answers one command, in order. While one is awaited, stdout holds the
  // event loop open (else a process with nothing else to do would exit before the answer).
  const stdoutHandle = child.stdout as unknown as { ref?: () => void; unref?: () => void };
  const waiting: Array<{ resolve: (answer: string) => void; reject: (e: Error) => void }> = [];
  let pendingOutput = '';
  child.stdout.on('data', (chunk: string) => {
    pendingOutput += chunk;
    for (let nl = pendingOutput.indexOf('\n'); nl >= 0; nl = pendingOutput.indexOf('\n')) {
      const answer = pendingOutput.slice(0, nl).trim();
      pendingOutput = pendingOutput.slice(nl + 1);
      const next = waiting.shift();
      if (waiting.length === 0) stdoutHandle.unref?.();
      if (next === undefined) continue;
      if (answer.startsWith('ok')) next.resolve(answer);
      else next.reject(new Error(`kafka-mock: ${answer}`));
    }
  });
  void exited.then(() => {
    for (const w of waiting.splice(0)) w.reject(new Error('kafka-mock: the mock cluster exited'));
  });
  // Keep draining stdout; don't let a forgotten stop() keep the test process alive.
  child.stdout.resume();
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void }).unref?.();
  }

  const command = (line: string): Promise<string> => {
    if (/[\r\n]/.test(line)) return Promise.reject(new Error('kafka-mock: one line per command'));
    if (stopping || child.exitCode !== null) {
      return Promise.reject(new Error('kafka-mock: the mock cluster is stopped'));
    }
    return new Promise<string>((resolveAnswer, rejectAnswer) => {
      waiting.push({ resolve: resolveAnswer, reject: rejectAnswer });
      stdoutHandle.ref?.();
      child.stdin.write(`${line}\n`);
    });
  };
  const moved = async (line: string) => {
    const [, partitions, coordinators] = (await command(line)).split(' ');
    return { partitionsMoved: Number(partitions), coordinatorsMoved: Number(coordinators) };
  };

  let stopped: Promise<void> | undefined;
  return {
    brokers,
    pid: child.pid,
    command,
    brokerDown: (id) => moved(`down ${id}`),
    brokerUp: (id) => moved(`up ${id}`),
    setCoordinator: async (groupId, id) => {
      await command(`coordinator group ${groupId} ${id}`);
    },
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
