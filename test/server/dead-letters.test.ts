/**
 * What the consumer dead-letters, and the way back: only records that are the
 * data's fault (undecodable, or refused by PostgreSQL with SQLSTATE class 22
 * or 23) go to the dead-letter topic; any other refusal (here a read-only
 * database, as after a failover) is waited out. Real PostgreSQL and the
 * librdkafka mock cluster. Dead letters go back onto the topic with
 * `npm run admin -- dlq replay`, run here as the operator would.
 */
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRegistered } from '#protocol';
import { makeBatch, makeEvent, postEvents, registerDevice, waitFor } from '../harness/client.js';
import { kafkaEnv, testKafkaSettings } from '../harness/server.js';
import { type KafkaStack, startKafkaStack } from './modes.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Messages on a topic: the sum of its partitions' end offsets (nothing is ever deleted here). */
async function topicEnd(brokers: string[], topic: string): Promise<number> {
  const admin = new Kafka({ clientId: 'test-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Sets the database's default for new sessions and ends every other session, so it applies. */
async function setReadOnly(url: string, on: boolean): Promise<void> {
  // This session is writable whatever the database's default is.
  const client = new pg.Client({
    connectionString: url,
    options: '-c default_transaction_read_only=off',
  });
  await client.connect();
  try {
    const db = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]?.db;
    await client.query(
      on
        ? `ALTER DATABASE "${db}" SET default_transaction_read_only = on`
        : `ALTER DATABASE "${db}" RESET default_transaction_read_only`,
    );
    await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
  } finally {
    await client.end();
  }
}

async function storedOf(stack: KafkaStack, ids: string[]): Promise<number> {
  const r = await stack.server.pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM visits WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return Number(r.rows[0]?.n);
}

describe('PostgreSQL read-only (SQLSTATE 25006, as after a failover)', () => {
  let stack: KafkaStack;
  let device: DeviceRegistered;

  beforeAll(async () => {
    stack = await startKafkaStack({}, { prefix: 'dlq_readonly' });
    device = await registerDevice(stack.server.url);
  });
  afterAll(async () => {
    await setReadOnly(stack.databaseUrl, false).catch(() => undefined);
    await stack?.stop();
  });

  it('waits until the database is writable again: all 5 accepted events stored, none dead-lettered', async () => {
    await setReadOnly(stack.databaseUrl, true);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const event = makeEvent();
      // Authentication only reads: the API still accepts while PostgreSQL refuses writes.
      const batch = makeBatch([event]);
      let res = await postEvents(stack.server.url, device.token, batch);
      // setReadOnly ends the API's pooled sessions: a request that took one before the pool saw
      // it end is answered 503, which a browser retries (the same ids); a third 503 fails.
      for (let tries = 1; res.status === 503 && tries < 3; tries++) {
        await new Promise((r) => setTimeout(r, 200));
        res = await postEvents(stack.server.url, device.token, batch);
      }
      expect(res.status).toBe(200);
      ids.push(event.id);
    }
    const { metrics } = stack.server;
    await waitFor(
      async () =>
        (await metrics.consumerWaiting.get()).values[0]?.value === 1 ||
        (await topicEnd(stack.kafka.brokers, 'visits.v1.dlq')) > 0,
      'the consumer to wait (or to dead-letter)',
      30_000,
    );
    expect(await topicEnd(stack.kafka.brokers, 'visits.v1.dlq')).toBe(0);
    expect(await storedOf(stack, ids)).toBe(0);

    await setReadOnly(stack.databaseUrl, false);
    await waitFor(async () => (await storedOf(stack, ids)) === 5, 'all 5 stored', 30_000);
    expect(await topicEnd(stack.kafka.brokers, 'visits.v1.dlq')).toBe(0);
    // The counter an alert watches is exported from the start, at 0, for both causes.
    const exported = await metrics.registry.metrics();
    expect(exported).toContain('tracksphere_consumer_dead_letters_total{cause="undecodable"} 0');
    expect(exported).toContain('tracksphere_consumer_dead_letters_total{cause="refused"} 0');
  }, 90_000);
});

/** `npm run admin -- <args>` as a process: its exit code, stdout and stderr. */
function admin(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'server/src/entry-points/admin/main.ts', ...args],
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, timeout: 90_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** The replay group's committed offsets on the dead-letter topic ('-1': none). */
async function replayProgress(brokers: string[]): Promise<string[]> {
  const a = new Kafka({ clientId: 'test-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await a.connect();
  try {
    const [topic] = await a.fetchOffsets({
      groupId: 'pg-writer-dlq-replay',
      topics: ['visits.v1.dlq'],
    });
    return (topic?.partitions ?? []).map((p) => p.offset);
  } finally {
    await a.disconnect();
  }
}

describe('npm run admin -- dlq replay', () => {
  let stack: KafkaStack;
  let env: Record<string, string>;

  beforeAll(async () => {
    stack = await startKafkaStack({}, { prefix: 'dlq_replay' });
    env = kafkaEnv(testKafkaSettings(stack.kafka.brokers));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('puts fixed dead letters back: each stored once, a rerun replays nothing, a dry run changes nothing', async () => {
    const { server, kafka } = stack;
    // PostgreSQL refuses these for their data (check_violation, SQLSTATE 23514) until it is fixed.
    await server.pool.query('ALTER TABLE visits ADD CONSTRAINT poison CHECK (active_ms <> 4242)');
    const device = await registerDevice(server.url);
    const poison = [1, 2, 3].map(() => makeEvent({ activeMs: 4242 }));
    const good = makeEvent();
    const res = await postEvents(server.url, device.token, makeBatch([...poison, good]));
    expect(res.status).toBe(200);
    const poisonIds = poison.map((e) => e.id);
    await waitFor(
      async () => (await topicEnd(kafka.brokers, 'visits.v1.dlq')) === 3,
      '3 dead letters',
    );
    await waitFor(async () => (await storedOf(stack, [good.id])) === 1, 'the good event');
    const refused = (await server.metrics.consumerDeadLetters.get()).values.find(
      (v) => v.labels.cause === 'refused',
    );
    expect(refused?.value).toBe(3);

    // A dry run lists what would be replayed and changes nothing.
    const visitsEnd = await topicEnd(kafka.brokers, 'visits.v1');
    const dry = await admin(['dlq', 'replay', '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.split('\n').filter((l) => l.startsWith('visits.v1.dlq/0/'))).toHaveLength(3);
    expect(dry.stdout).toMatch(/check constraint|SQLSTATE 23514/);
    expect(dry.stdout).toMatch(/would replay 3 of 3/);
    expect(await topicEnd(kafka.brokers, 'visits.v1')).toBe(visitsEnd);
    expect(await replayProgress(kafka.brokers)).toEqual(['-1']);

    // Fixed: two, then the rest.
    await server.pool.query('ALTER TABLE visits DROP CONSTRAINT poison');
    const first = await admin(['dlq', 'replay', '--limit', '2'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/replayed 2 .*1 left/);
    await waitFor(async () => (await storedOf(stack, poisonIds)) === 2, '2 replayed stored');
    const rest = await admin(['dlq', 'replay'], env);
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stdout).toMatch(/replayed 1 .*0 left/);
    await waitFor(async () => (await storedOf(stack, poisonIds)) === 3, 'all 3 stored');
    expect(await topicEnd(kafka.brokers, 'visits.v1')).toBe(visitsEnd + 3);

    // A rerun (and a dry run) finds nothing left to replay.
    const again = await admin(['dlq', 'replay'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing to replay/);
    const dryAgain = await admin(['dlq', 'replay', '--dry-run'], env);
    expect(dryAgain.stdout).toMatch(/nothing to replay/);
    expect(await topicEnd(kafka.brokers, 'visits.v1')).toBe(visitsEnd + 3);
    expect(await topicEnd(kafka.brokers, 'visits.v1.dlq')).toBe(3);
    const rows = await server.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM visits WHERE id = ANY($1::uuid[])',
      [[...poisonIds, good.id]],
    );
    expect(rows.rows[0]?.n).toBe('4');
  }, 120_000);

  it('answers --help, and a bad argument with one line and a non-zero exit', async () => {
    const help = await admin(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/dlq replay \[--dry-run\] \[--limit N\]/);
    for (const args of [['dlq', 'replay', '--limit', 'x'], ['dlq', 'replay', '--frob'], ['frob']]) {
      const bad = await admin(args);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(bad.stdout).toBe('');
    }
  }, 60_000);
});
