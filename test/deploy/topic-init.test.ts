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

describe('topic-init (deploy/kafka/create-topics.sh)', () => {
  it('creates visits.v1 and its dead-letter topic idempotently, with explicit sizes', async () => {
    const calls = await runCreateTopics();
    const creates = calls.filter((args) => args.includes('--create'));
    expect(creates.map((args) => option(args, '--topic'))).toEqual(['visits.v1', 'visits.v1.dlq']);
    for (const args of creates) {
      expect(args).toContain('--if-not-exists');
      expect(option(args, '--bootstrap-server')).toBe('kafka:9092');
      expect(option(args, '--replication-factor')).toBe('1');
      expect(option(args, '--config')).toMatch(/^retention\.ms=\d+$/);
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
