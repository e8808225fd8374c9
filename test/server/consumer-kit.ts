/**
 * The consumer fault tests' shared steps: events sent through the API, the pg-writer group's
 * progress read from the broker, and the consumer's entry point killed mid-batch and restarted
 * (consumer-faults.test.ts with one member, consumer-members.test.ts with two in one process).
 */
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { expect } from 'vitest';
import type { DeviceRegistered, IngestResult } from '#protocol';
import { makeBatch, makeEvent, postEvents, registerDevice, waitFor } from '../harness/client.js';
import { spawnEntryPoint } from '../harness/process.js';
import { kafkaEnv, type TestServer, testKafkaSettings } from '../harness/server.js';

export async function countVisits(server: TestServer, deviceId?: string): Promise<number> {
  const r = await server.pool.query<{ n: string }>(
    deviceId === undefined
      ? 'SELECT count(*) AS n FROM visits'
      : 'SELECT count(*) AS n FROM visits WHERE device_id = $1',
    deviceId === undefined ? [] : [deviceId],
  );
  return Number(r.rows[0]?.n);
}

/** Sends n valid events as batches of 500; returns their ids. */
export async function sendEvents(
  server: TestServer,
  device: DeviceRegistered,
  n: number,
): Promise<string[]> {
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

/** Runs fn with a connected Kafka admin client, disconnecting after. */
export async function withAdmin<T>(
  brokers: string[],
  fn: (admin: Admin) => Promise<T>,
): Promise<T> {
  const admin = new Kafka({ clientId: 'test-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Committed offsets of the pg-writer group against the topic's end offsets. */
export function groupProgress(brokers: string[]): Promise<{ committed: number; end: number }> {
  return withAdmin(brokers, async (admin) => {
    const [offsets] = await admin.fetchOffsets({ groupId: 'pg-writer', topics: ['visits.v1'] });
    const ends = await admin.fetchTopicOffsets('visits.v1');
    const committed = (offsets?.partitions ?? []).reduce(
      (sum, p) => sum + Math.max(0, Number(p.offset)),
      0,
    );
    return { committed, end: ends.reduce((sum, p) => sum + Number(p.high), 0) };
  });
}

/** Each partition's low watermark: above 0, the mock cluster dropped data unread. */
export function lowWatermarks(brokers: string[]): Promise<number[]> {
  return withAdmin(brokers, async (admin) => {
    const offsets = await admin.fetchTopicOffsets('visits.v1');
    return offsets.sort((x, y) => x.partition - y.partition).map((o) => Number(o.low));
  });
}

/**
 * Sends 12,000 events from 12 devices (spread over the partitions: the mock cluster keeps at
 * most ~5 MiB per partition and drops older data), runs the consumer's entry point until some
 * rows are in, kills it (SIGKILL) mid-batch and starts it again, then checks every event is
 * stored exactly once, every offset committed and SIGTERM drains cleanly. Answers the second
 * process's output, for the caller's own checks.
 */
export async function killMidBatchAndRestart(
  api: TestServer,
  brokers: string[],
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<string> {
  const ids: string[] = [];
  for (let d = 0; d < 12; d++) {
    ids.push(...(await sendEvents(api, await registerDevice(api.url), 1_000)));
  }
  // Had the mock dropped data, a missing row would prove nothing about the consumer.
  const unread = async () => (await lowWatermarks(brokers)).filter((low) => low !== 0);
  expect(await unread()).toEqual([]);
  const processEnv = {
    DATABASE_URL: databaseUrl,
    CONSUMER_PORT: '0',
    ...env,
    ...kafkaEnv(testKafkaSettings(brokers)),
  };
  const first = spawnEntryPoint('server/src/entry-points/consumer/main.ts', processEnv);
  await first.waitForOutput(/consumer running/);
  // Kill it while it is writing: some rows are in, not all.
  await waitFor(async () => (await countVisits(api)) > 0, 'the first rows', 30_000);
  expect(await first.kill('SIGKILL')).toBe('SIGKILL');
  const atKill = await countVisits(api);
  expect(atKill).toBeLessThan(ids.length);

  const second = spawnEntryPoint('server/src/entry-points/consumer/main.ts', processEnv);
  try {
    await waitFor(async () => (await countVisits(api)) === ids.length, 'all rows', 60_000).catch(
      async (err: Error) => {
        throw new Error(
          `${err.message}: ${await countVisits(api)} of ${ids.length} (${atKill} at the kill); the consumer said:\n${second.output().slice(-3000)}`,
        );
      },
    );
    expect(await unread()).toEqual([]);
    await waitFor(
      async () => {
        const p = await groupProgress(brokers);
        return p.committed === p.end;
      },
      'offsets committed to the end',
      30_000,
    );
    const stored = await api.pool.query<{ n: string; distinct_ids: string }>(
      'SELECT count(*) AS n, count(DISTINCT id) AS distinct_ids FROM visits WHERE id = ANY($1::uuid[])',
      [ids],
    );
    expect(Number(stored.rows[0]?.n)).toBe(ids.length);
    expect(Number(stored.rows[0]?.distinct_ids)).toBe(ids.length);
    // SIGTERM drains and exits cleanly.
    const code = await second.kill('SIGTERM');
    expect(code, second.output().slice(-3000)).toBe(0);
    return second.output();
  } finally {
    await second.kill('SIGKILL');
  }
}
