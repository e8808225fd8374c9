/**
 * The bench's reference pipeline (bench/reference.ts), consumer side: a message read twice (as
 * after a rebalance, at-least-once) must not stop it, or the small-request bench's wait for the
 * reference's rows fails for a reason that is the bench's, not the design's. Real PostgreSQL and
 * the librdkafka mock; the consumer as the bench runs it, a process of its own.
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../harness/client.js';
import { type MockKafka, startMockKafka } from '../harness/kafka-mock.js';
import { type PgCluster, startPgCluster } from '../harness/postgres.js';
import { type ServerProcess, spawnEntryPoint } from '../harness/process.js';

const TOPIC = 'ref.v1';

describe('bench/reference.ts consumer', () => {
  let kafka: MockKafka;
  let cluster: PgCluster;
  let pool: pg.Pool;
  let consumer: ServerProcess;

  beforeAll(async () => {
    kafka = await startMockKafka({ topics: [{ name: TOPIC, partitions: 1 }] });
    cluster = await startPgCluster();
    const url = await cluster.createDatabase('reference');
    pool = new pg.Pool({ connectionString: url, max: 1 });
    pool.on('error', () => {});
    consumer = spawnEntryPoint('bench/reference.ts', {
      REF_ROLE: 'consumer',
      KAFKA_BROKERS: kafka.brokers.join(','),
      REF_TOPIC: TOPIC,
      DATABASE_URL: url,
    });
    await consumer.waitForOutput(/reference consumer running/, 60_000);
  });

  afterAll(async () => {
    await consumer?.kill('SIGTERM');
    await pool?.end();
    await kafka?.stop();
    await cluster?.destroy();
  });

  it('stores a message read twice once and goes on with the next ones', async () => {
    const producer = new Kafka({
      clientId: 'test',
      brokers: kafka.brokers,
      logLevel: logLevel.NOTHING,
    }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const event = (id: string) => ({
      key: 'device-1',
      value: JSON.stringify({ device: 'device-1', id, url: 'https://example.com/', domain: 'x' }),
    });
    const first = crypto.randomUUID();
    const second = crypto.randomUUID();
    // The same event twice in the log, as a redelivery reads it again, then one more.
    await producer.send({ topic: TOPIC, acks: -1, messages: [event(first), event(first)] });
    await producer.send({ topic: TOPIC, acks: -1, messages: [event(second)] });
    await producer.disconnect();
    const ids = async (): Promise<string[]> =>
      (await pool.query<{ id: string }>('SELECT id FROM ref_visits ORDER BY id')).rows.map(
        (r) => r.id,
      );
    await waitFor(async () => (await ids()).length >= 2, 'both events stored', 20_000);
    expect(await ids()).toEqual([first, second].sort());
    expect(consumer.output()).not.toMatch(/skipped partition/);
  });
});
