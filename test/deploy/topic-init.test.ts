/**
 * deploy/kafka/create-topics.sh (the topic-init service) run with the compose file's settings
 * against a stand-in for kafka-topics.sh that records its arguments: no Kafka broker can run
 * here, and the script's job is exactly those arguments.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentOf, loadCompose } from './compose-file.js';
import { repoPath } from './repo-root.js';

const execFileAsync = promisify(execFile);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tracksphere-topics-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the script with the topic-init service's environment; returns each call's arguments. */
async function runCreateTopics(): Promise<string[][]> {
  const log = join(dir, 'calls.log');
  const fake = join(dir, 'kafka-topics.sh');
  // One line per call, arguments separated by a unit separator.
  await writeFile(fake, `#!/bin/sh\n(IFS="$(printf '\\037')"; printf '%s\\n' "$*") >> "${log}"\n`);
  await chmod(fake, 0o755);
  await rm(log, { force: true });
  const { services } = await loadCompose();
  const env = Object.fromEntries(environmentOf(services['topic-init'] ?? {}));
  await execFileAsync('sh', [repoPath('deploy/kafka/create-topics.sh')], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, KAFKA_TOPICS_BIN: fake },
  });
  return (await readFile(log, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => line.split('\x1f'));
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

/** Every value given to a repeatable option. */
function options(args: string[], name: string): string[] {
  return args.flatMap((arg, i) =>
    arg === name && i + 1 < args.length ? [args[i + 1] as string] : [],
  );
}

describe('topic-init (deploy/kafka/create-topics.sh)', () => {
  it('creates visits.v1 and its dead-letter topic idempotently, with explicit sizes', async () => {
    const calls = await runCreateTopics();
    const creates = calls.filter((args) => args.includes('--create'));
    expect(creates.map((args) => option(args, '--topic'))).toEqual(['visits.v1', 'visits.v1.dlq']);
    for (const args of creates) {
      expect(args).toContain('--if-not-exists');
      expect(option(args, '--bootstrap-server')).toBe('kafka-1:9092,kafka-2:9092,kafka-3:9092');
      // On all three nodes, and a write needs two of them in sync (the producer uses acks=all).
      expect(option(args, '--replication-factor')).toBe('3');
      const configs = options(args, '--config');
      expect(configs).toContain('min.insync.replicas=2');
      expect(configs.filter((c) => /^retention\.ms=\d+$/.test(c)).length).toBe(1);
      expect(configs.length).toBe(2);
    }
    // .env.example's KAFKA_VISITS_PARTITIONS: room for 12 consumers.
    expect(creates.map((args) => option(args, '--partitions'))).toEqual(['12', '3']);
    // The counts in force are printed for the operator.
    expect(calls.filter((args) => args.includes('--describe')).length).toBe(2);
  });

  it('uses the topics the API and consumer are configured with', async () => {
    const { services } = await loadCompose();
    const topic = environmentOf(services['topic-init'] ?? {}).get('VISITS_TOPIC');
    for (const name of ['api', 'consumer']) {
      const env = environmentOf(services[name] ?? {});
      expect(env.get('KAFKA_TOPIC'), name).toBe(topic);
      expect(env.get('KAFKA_DLQ_TOPIC'), name).toBe(`${topic}.dlq`);
    }
  });
});

describe('the Kafka nodes topic-init provisions', () => {
  it('are three brokers and KRaft controllers, one quorum, each its own id and volume', async () => {
    const { services } = await loadCompose();
    const nodes = Object.keys(services).filter((name) => /^kafka-\d+$/.test(name));
    expect(nodes).toEqual(['kafka-1', 'kafka-2', 'kafka-3']);
    const envs = nodes.map((name) => environmentOf(services[name] ?? {}));
    const voters = nodes.map((name, i) => `${envs[i]?.get('KAFKA_NODE_ID')}@${name}:9093`);
    for (const [i, name] of nodes.entries()) {
      const env = envs[i] ?? new Map<string, string>();
      expect(env.get('KAFKA_NODE_ID'), name).toBe(String(i + 1));
      expect(env.get('KAFKA_PROCESS_ROLES'), name).toBe('broker,controller');
      expect(env.get('KAFKA_CONTROLLER_QUORUM_VOTERS'), name).toBe(voters.join(','));
      expect(env.get('KAFKA_ADVERTISED_LISTENERS'), name).toBe(`PLAINTEXT://${name}:9092`);
      expect(env.get('CLUSTER_ID'), name).toBe(envs[0]?.get('CLUSTER_ID'));
      // Kafka's own topics as safe as ours; no out-of-sync replica becomes leader.
      expect(env.get('KAFKA_DEFAULT_REPLICATION_FACTOR'), name).toBe('3');
      expect(env.get('KAFKA_MIN_INSYNC_REPLICAS'), name).toBe('2');
      expect(env.get('KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR'), name).toBe('3');
      expect(env.get('KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR'), name).toBe('3');
      expect(env.get('KAFKA_TRANSACTION_STATE_LOG_MIN_ISR'), name).toBe('2');
      expect(env.get('KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE'), name).toBe('false');
      expect(services[name]?.volumes, name).toEqual([`${name}-data:/var/lib/kafka/data`]);
    }
    // Clients bootstrap from every node; topic-init waits for all three.
    const bootstrap = nodes.map((name) => `${name}:9092`).join(',');
    for (const name of ['api', 'consumer']) {
      expect(environmentOf(services[name] ?? {}).get('KAFKA_BROKERS'), name).toBe(bootstrap);
    }
    const topicInit = services['topic-init'] ?? {};
    expect(environmentOf(topicInit).get('KAFKA_BOOTSTRAP')).toBe(bootstrap);
    expect(Object.keys(topicInit.depends_on ?? {}).sort()).toEqual(nodes);
  });
});
