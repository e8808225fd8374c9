/**
 * The pg-writer consumer under faults: killed mid-batch, PostgreSQL down,
 * poison messages, erase while events are in flight. Real PostgreSQL, the
 * librdkafka mock cluster, and the consumer's own entry point as a process.
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VisitRecord } from '../../server/src/data-access/visit-record.js';
import { encodeVisitMessages } from '../../server/src/messaging/visit-message.js';
import {
  makeBatch,
  makeEvent,
  postEvents,
  registerDevice,
  request,
  waitFor,
} from '../harness/client.js';
import { type MockKafka, startMockKafka } from '../harness/kafka-mock.js';
import { type PgCluster, startPgCluster } from '../harness/postgres.js';
import {
  prepareDatabase,
  startTestServer,
  type TestServer,
  testKafkaSettings,
} from '../harness/server.js';
import { visitRecord as recordOf } from '../harness/visit-records.js';
import { countVisits, groupProgress, killMidBatchAndRestart, sendEvents } from './consumer-kit.js';
import { type KafkaStack, startKafkaStack } from './modes.js';

const TOPICS = [
  { name: 'visits.v1', partitions: 6 },
  { name: 'visits.v1.dlq', partitions: 1 },
];

/** A visit record as the API produces it onto visits.v1. */
function visitRecord(deviceId: string): VisitRecord {
  const e = makeEvent();
  return recordOf(deviceId, new Date(e.startedAt), {
    id: e.id,
    sessionId: e.sessionId,
    url: e.url,
    domain: e.domain,
    title: e.title,
    endedAt: e.endedAt,
    activeMs: e.activeMs,
    transition: e.transition,
  });
}

describe('consumer killed mid-batch and restarted', () => {
  let stack: KafkaStack;
  let kafka: MockKafka;
  let api: TestServer;
  let databaseUrl: string;

  beforeAll(async () => {
    stack = await startKafkaStack(
      { RATE_LIMIT_DEVICE_PER_MINUTE: '10000' },
      { consumer: false, prefix: 'consumer_kill' },
    );
    ({ kafka, server: api, databaseUrl } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('stores every event exactly once', async () => {
    await killMidBatchAndRestart(api, kafka.brokers, databaseUrl);
  }, 120_000);
});

describe('PostgreSQL down while events flow', () => {
  let kafka: MockKafka;
  let pg: PgCluster;
  let api: TestServer;
  let consumerSide: TestServer | null = null;

  beforeAll(async () => {
    kafka = await startMockKafka({ topics: TOPICS });
    pg = await startPgCluster();
    const url = await pg.createDatabase('pgdown');
    await prepareDatabase(url);
    api = await startTestServer({
      databaseUrl: url,
      kafka: testKafkaSettings(kafka.brokers),
      consumer: false,
      // Authentication reads PostgreSQL on every request here: with the credential cache a device
      // seen in the last AUTH_CACHE_TTL_MS still gets 2xx (to Kafka, its quota uncounted) then.
      env: { AUTH_CACHE_TTL_MS: '0' },
    });
  });
  afterAll(async () => {
    await consumerSide?.close().catch(() => undefined);
    await api?.close().catch(() => undefined);
    await kafka?.stop();
    await pg?.destroy();
  });

  it('waits for PostgreSQL, loses nothing and commits no offset past an unwritten event', async () => {
    const device = await registerDevice(api.url);
    const ids = await sendEvents(api, device, 3_000);

    await pg.stop('fast');
    // With PostgreSQL down the API cannot authenticate or store: 503 with Retry-After, never 2xx.
    const refused = await postEvents(api.url, device.token, makeBatch([makeEvent()]));
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.text).toContain('nothing from this request was accepted');
    // A read says it could not answer, not that nothing was accepted.
    const read = await request(`${api.url}/api/v1/me`, {
      headers: { authorization: `Bearer ${device.token}` },
    });
    expect(read.status).toBe(503);
    expect(read.text).toContain('cannot answer right now');
    expect(read.text).not.toContain('accepted');
    const ready = await request(`${api.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.text).toContain('postgres');

    // The consumer starts while PostgreSQL is down: it must wait, not commit.
    consumerSide = await startTestServer({
      databaseUrl: api.databaseUrl,
      kafka: testKafkaSettings(kafka.brokers),
    });
    await waitFor(
      async () => (await consumerSide?.metrics.consumerWaiting.get())?.values[0]?.value === 1,
      'the consumer to notice PostgreSQL is down',
      30_000,
    );
    const during = await groupProgress(kafka.brokers);
    // One message per accepted request: 3,000 events sent as batches of 500.
    expect(during.end).toBe(ids.length / 500);
    expect(during.committed).toBe(0);

    await pg.start();
    await waitFor(
      async () => (await countVisits(api, device.deviceId)) === ids.length,
      'all rows',
      60_000,
    );
    await waitFor(
      async () => {
        const p = await groupProgress(kafka.brokers);
        return p.committed === p.end;
      },
      'offsets committed after the write',
      30_000,
    );
    expect(await countVisits(api, device.deviceId)).toBe(ids.length);
  }, 120_000);
});

describe('poison messages and erased devices', () => {
  let stack: KafkaStack;
  let kafka: MockKafka;
  let server: TestServer;

  beforeAll(async () => {
    stack = await startKafkaStack({}, { consumer: false, prefix: 'consumer_poison' });
    ({ kafka, server } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('drops the events of a device erased while they were still in Kafka, and dead-letters poison with its reason', async () => {
    const erased = await registerDevice(server.url);
    const kept = await registerDevice(server.url);
    const erasedIds = await sendEvents(server, erased, 700);
    const keptIds = await sendEvents(server, kept, 300);

    const res = await request(`${server.url}/api/v1/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${erased.token}` },
    });
    expect(res.body).toEqual({ deletedVisits: 0 });

    // Poison straight onto the topic, as a buggy or hostile producer would; next to it a
    // batch message with one bad record among good ones, and a good message in the old
    // one-record shape (what producers before the batch format wrote, one per event).
    const sameRequest = { batchId: uuidv7(), receivedAt: new Date().toISOString() };
    const good = [
      { ...visitRecord(kept.deviceId), ...sameRequest },
      { ...visitRecord(kept.deviceId), ...sameRequest },
    ];
    const badInBatch = { ...visitRecord(kept.deviceId), ...sameRequest, activeMs: -1 };
    const oldShape = visitRecord(kept.deviceId);
    const k = new Kafka({
      clientId: 'test-poison',
      brokers: kafka.brokers,
      logLevel: logLevel.NOTHING,
    });
    const producer = k.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: 'visits.v1',
      acks: -1,
      messages: [
        { key: kept.deviceId, value: 'not json {' },
        { key: kept.deviceId, value: JSON.stringify({ v: 1, id: 'nope' }) },
        ...encodeVisitMessages([good[0], badInBatch, good[1]] as VisitRecord[]),
        { key: kept.deviceId, value: JSON.stringify(oldShape) },
      ],
    });
    await producer.disconnect();
    const extraIds = [...good, oldShape].map((r) => r.id);

    const consumer = await startTestServer({
      databaseUrl: server.databaseUrl,
      kafka: testKafkaSettings(kafka.brokers),
    });
    try {
      await waitFor(
        async () => (await countVisits(server, kept.deviceId)) === keptIds.length + 3,
        'kept rows',
      );
      await waitFor(async () => {
        const p = await groupProgress(kafka.brokers);
        return p.committed === p.end;
      }, 'all offsets committed');
      expect(await countVisits(server, erased.deviceId)).toBe(0);
      expect(erasedIds).toHaveLength(700);
      const stored = await server.pool.query<{ id: string }>(
        'SELECT id FROM visits WHERE id = ANY($1::uuid[])',
        [[...extraIds, badInBatch.id]],
      );
      expect(stored.rows.map((r) => r.id).sort()).toEqual([...extraIds].sort());

      const dlq = await readTopic(kafka.brokers, 'visits.v1.dlq', 3);
      expect(dlq.map((m) => m.reason).sort()).toEqual([
        expect.stringMatching(/^value is not JSON/),
        expect.stringMatching(/^value is not a visit record \(visit 1 of the batch\): activeMs/),
        expect.stringMatching(/^value is not a visit record: .*id/),
      ]);
      expect(dlq.map((m) => m.value)).toContain('not json {');
      // The bad record of the batch is dead-lettered alone, with its place in the batch.
      const single = dlq.find((m) => m.index !== '');
      expect(single?.index).toBe('1');
      expect(JSON.parse(single?.value ?? '')).toEqual(badInBatch);
      expect(single?.key).toBe(kept.deviceId);

      // One message per accepted request (700 events = 500 + 200, 300 = one) holding its
      // records, keyed by their device id (per-device order, partition affinity).
      const visits = await readTopic(kafka.brokers, 'visits.v1', 7);
      expect(visits).toHaveLength(7);
      const fromApi = visits
        .filter((v) => v.value.startsWith('{"v":2') && !v.value.includes(badInBatch.id))
        .map((m) => ({
          key: m.key,
          ...(JSON.parse(m.value) as { deviceId: string; visits: unknown[] }),
        }));
      expect(fromApi.map((m) => m.visits.length).sort()).toEqual([200, 300, 500]);
      for (const m of fromApi) expect(m.key).toBe(m.deviceId);
      expect(new Set(visits.map((m) => m.key))).toEqual(new Set([erased.deviceId, kept.deviceId]));
    } finally {
      await consumer.close();
    }
  }, 90_000);
});

async function readTopic(
  brokers: string[],
  topic: string,
  expected: number,
): Promise<Array<{ key: string; value: string; reason: string; index: string }>> {
  const k = new Kafka({ clientId: 'test-reader', brokers, logLevel: logLevel.NOTHING });
  const consumer = k.consumer({
    groupId: `reader-${Date.now()}`,
    sessionTimeout: 3_000,
    heartbeatInterval: 300,
    rebalanceTimeout: 3_000,
    maxWaitTimeInMs: 100,
  });
  const got: Array<{ key: string; value: string; reason: string; index: string }> = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      got.push({
        key: message.key?.toString('utf8') ?? '',
        value: message.value?.toString('utf8') ?? '',
        reason: message.headers?.reason?.toString() ?? '',
        index: message.headers?.['source-index']?.toString() ?? '',
      });
    },
  });
  try {
    await waitFor(async () => got.length >= expected, `${expected} messages on ${topic}`);
    return got;
  } finally {
    await consumer.disconnect();
  }
}
