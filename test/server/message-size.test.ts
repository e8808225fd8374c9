/**
 * A request whose visits make a message larger than a broker takes (message.max.bytes) goes out
 * as several messages, each within KAFKA_MAX_MESSAGE_BYTES, in sends the 200 waits for; every
 * visit is stored once (produce-requests.ts).
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '#protocol';
import { makeBatch, makeEvent, postEvents, registerDevice, waitFor } from '../harness/client.js';
import { freshDatabase } from '../harness/database.js';
import { type MockKafka, startMockKafka } from '../harness/kafka-mock.js';
import {
  prepareDatabase,
  startTestServer,
  type TestServer,
  testKafkaSettings,
} from '../harness/server.js';

const MAX = 65_536;
const TOPIC = 'visits.v1';

let kafka: MockKafka;
let server: TestServer;

beforeAll(async () => {
  const databaseUrl = await freshDatabase('message_size');
  await prepareDatabase(databaseUrl);
  kafka = await startMockKafka({
    topics: [
      { name: TOPIC, partitions: 3 },
      { name: `${TOPIC}.dlq`, partitions: 1 },
    ],
  });
  server = await startTestServer({
    databaseUrl,
    kafka: { ...testKafkaSettings(kafka.brokers, TOPIC), maxMessageBytes: MAX },
  });
});

afterAll(async () => {
  await server?.close();
  await kafka?.stop();
});

/** Every message on the topic: its size and its visits' ids. */
async function topicMessages(expectedVisits: number): Promise<{ bytes: number; ids: string[] }[]> {
  const client = new Kafka({
    clientId: 'size-check',
    brokers: kafka.brokers,
    logLevel: logLevel.NOTHING,
  });
  const consumer = client.consumer({
    groupId: 'size-check',
    maxWaitTimeInMs: 100,
    sessionTimeout: 3000,
    rebalanceTimeout: 3000,
    heartbeatInterval: 300,
  });
  const out: { bytes: number; ids: string[] }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value ?? Buffer.alloc(0);
        const visits = (JSON.parse(value.toString('utf8')) as { visits: { id: string }[] }).visits;
        out.push({ bytes: value.length, ids: visits.map((v) => v.id) });
      },
    });
    await waitFor(
      async () => out.reduce((n, m) => n + m.ids.length, 0) >= expectedVisits,
      `${expectedVisits} visits read from ${TOPIC}`,
    );
  } finally {
    await consumer.disconnect();
  }
  return out;
}

describe('a request larger than one Kafka message', () => {
  it(`goes out as messages within ${MAX} bytes, all stored once`, async () => {
    const device = await registerDevice(server.url);
    // ~2.7 KB a visit (the longest URL, a 512-character title of 3-byte characters): ~780 KB.
    const events = Array.from({ length: 200 }, (_, i) =>
      makeEvent({
        url: `https://example.com/${String(i).padStart(4, '0')}/${'p'.repeat(2048 - 25)}`,
        title: '\u2603'.repeat(512),
      }),
    );
    const body = makeBatch(events);
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(10 * MAX);
    const r = await postEvents<IngestResult>(server.url, device.token, body, { gzip: true });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ accepted: 200, rejected: [], receivedAt: expect.any(String) });

    const messages = await topicMessages(200);
    expect(messages.length).toBeGreaterThan(10);
    for (const m of messages) expect(m.bytes).toBeLessThanOrEqual(MAX);
    expect(messages.flatMap((m) => m.ids).sort()).toEqual(events.map((e) => e.id).sort());

    const count = async (): Promise<number> => {
      const q = await server.pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM visits WHERE device_id = $1',
        [device.deviceId],
      );
      return Number(q.rows[0]?.n);
    };
    await waitFor(async () => (await count()) >= 200, '200 rows');
    const stored = await server.pool.query<{ id: string }>(
      'SELECT id FROM visits WHERE device_id = $1',
      [device.deviceId],
    );
    expect(stored.rows.map((row) => row.id).sort()).toEqual(events.map((e) => e.id).sort());
  });
});
