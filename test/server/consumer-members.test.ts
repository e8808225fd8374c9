/**
 * KAFKA_CONSUMERS: one consumer process runs that many members of the pg-writer group, each
 * with its own fetch loop (one member's wave is written while another's is fetched). The
 * guarantees are each member's: killed mid-batch and restarted, every event is stored exactly
 * once and every offset is committed. Real PostgreSQL, the librdkafka mock cluster, and the
 * consumer's own entry point as a process.
 */
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeviceRegistered, IngestResult } from '#protocol';
import { makeBatch, makeEvent, postEvents, registerDevice, waitFor } from '../harness/client.js';
import { spawnEntryPoint } from '../harness/process.js';
import { kafkaEnv, type TestServer, testKafkaSettings } from '../harness/server.js';
import { type KafkaStack, startKafkaStack } from './modes.js';

let stack: KafkaStack;

beforeAll(async () => {
  stack = await startKafkaStack(
    { RATE_LIMIT_DEVICE_PER_MINUTE: '10000' },
    { consumer: false, prefix: 'consumer_members' },
  );
});
afterAll(async () => {
  await stack?.stop();
});

async function countVisits(server: TestServer): Promise<number> {
  const r = await server.pool.query<{ n: string }>('SELECT count(*) AS n FROM visits');
  return Number(r.rows[0]?.n);
}

/** Sends n valid events as batches of 500; returns their ids. */
async function sendEvents(server: TestServer, device: DeviceRegistered, n: number) {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 500) {
    const events = Array.from({ length: Math.min(500, n - i) }, () => makeEvent());
    const res = await postEvents<IngestResult>(server.url, device.token, makeBatch(events));
    if (res.status !== 200 || res.body.accepted !== events.length) {
      throw new Error(`send failed: ${res.status} ${res.text}`);
    }
    ids.push(...events.map((e) => e.id));
  }
  return ids;
}

async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({
    clientId: 'test-admin',
    brokers: stack.kafka.brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The members that held partitions at their last join, from the consumer's log (the mock
 * cluster does not answer DescribeGroups).
 */
function membersWithPartitions(output: string): number {
  const last = new Map<string, number>();
  for (const line of output.split('\n')) {
    if (!line.includes('consumer member joined the group')) continue;
    const entry = JSON.parse(line) as { memberId: string; partitions: number };
    last.set(entry.memberId, entry.partitions);
  }
  return [...last.values()].filter((n) => n > 0).length;
}

/** Committed offsets of the pg-writer group against the topic's end offsets. */
function groupProgress(): Promise<{ committed: number; end: number }> {
  return withAdmin(async (admin) => {
    const [offsets] = await admin.fetchOffsets({ groupId: 'pg-writer', topics: ['visits.v1'] });
    const ends = await admin.fetchTopicOffsets('visits.v1');
    const committed = (offsets?.partitions ?? []).reduce(
      (sum, p) => sum + Math.max(0, Number(p.offset)),
      0,
    );
    return { committed, end: ends.reduce((sum, p) => sum + Number(p.high), 0) };
  });
}

it('two members in one process, killed mid-batch and restarted: every event stored once, every offset committed', async () => {
  const api = stack.server;
  const ids: string[] = [];
  for (let d = 0; d < 12; d++) {
    ids.push(...(await sendEvents(api, await registerDevice(api.url), 1_000)));
  }
  const env = {
    DATABASE_URL: stack.databaseUrl,
    CONSUMER_PORT: '0',
    KAFKA_CONSUMERS: '2',
    ...kafkaEnv(testKafkaSettings(stack.kafka.brokers)),
  };
  const first = spawnEntryPoint('server/src/entry-points/consumer/main.ts', env);
  await first.waitForOutput(/consumer running/);
  await waitFor(async () => (await countVisits(api)) > 0, 'the first rows', 30_000);
  expect(await first.kill('SIGKILL')).toBe('SIGKILL');
  const atKill = await countVisits(api);
  expect(atKill).toBeLessThan(ids.length);

  const second = spawnEntryPoint('server/src/entry-points/consumer/main.ts', env);
  try {
    await waitFor(async () => (await countVisits(api)) === ids.length, 'all rows', 60_000).catch(
      async (err: Error) => {
        throw new Error(
          `${err.message}: ${await countVisits(api)} of ${ids.length} (${atKill} at the kill); the consumer said:\n${second.output().slice(-3000)}`,
        );
      },
    );
    await waitFor(
      async () => {
        const p = await groupProgress();
        return p.committed === p.end;
      },
      'offsets committed to the end',
      30_000,
    );
    // Both members of the one process share the partitions.
    expect(membersWithPartitions(second.output()), second.output().slice(-3000)).toBe(2);
    const stored = await api.pool.query<{ n: string; distinct_ids: string }>(
      'SELECT count(*) AS n, count(DISTINCT id) AS distinct_ids FROM visits WHERE id = ANY($1::uuid[])',
      [ids],
    );
    expect(Number(stored.rows[0]?.n)).toBe(ids.length);
    expect(Number(stored.rows[0]?.distinct_ids)).toBe(ids.length);
    // SIGTERM drains both members and exits cleanly.
    const code = await second.kill('SIGTERM');
    expect(code, second.output().slice(-3000)).toBe(0);
  } finally {
    await second.kill('SIGKILL');
  }
}, 150_000);
