/**
 * The simplest pipeline users know, as the yardstick of bench/small-requests.ts:
 *
 *   tsx bench/reference.ts api        Express + express.json(): POST /api/v1/events sends each
 *                                     event of the body to Kafka with kafkajs (acks all), then 200
 *   tsx bench/reference.ts consumer   kafkajs eachMessage: one INSERT per message into a plain table
 *
 * (or REF_ROLE=api|consumer). *
 * No authentication (the device id is read from the token's first part, unchecked, as the message
 * key), no validation, no rate limit, no logging, no metrics, no deduplication beyond the primary
 * key (a message read twice is inserted once: ON CONFLICT DO NOTHING). Environment:
 * KAFKA_BROKERS, REF_TOPIC, DATABASE_URL, PORT (0), PG_POOL_SIZE (10),
 * KAFKA_PARTITIONS_CONCURRENCY (1), KAFKA_MAX_WAIT_MS (100), KAFKA_SESSION_TIMEOUT_MS (3000).
 */
import express from 'express';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pg from 'pg';

const env = (name: string, fallback?: string): string => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
};

const kafka = new Kafka({
  clientId: 'reference',
  brokers: env('KAFKA_BROKERS').split(','),
  logLevel: logLevel.WARN,
});
const topic = env('REF_TOPIC', 'ref.v1');

interface Event {
  id: string;
  url?: string;
  domain?: string;
  title?: string;
  startedAt?: string;
  endedAt?: string;
  activeMs?: number;
}

async function api(): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.post('/api/v1/events', async (req, res) => {
    const events = (req.body as { events: Event[] }).events;
    const device = /^Bearer ([^.]+)\./.exec(req.get('authorization') ?? '')?.[1] ?? null;
    await producer.send({
      topic,
      acks: -1,
      messages: events.map((e) => ({ key: device, value: JSON.stringify({ device, ...e }) })),
    });
    res.json({ accepted: events.length, rejected: [] });
  });
  const server = app.listen(Number(env('PORT', '0')), '127.0.0.1', () => {
    const a = server.address() as { port: number };
    process.stdout.write(`reference api ready http://127.0.0.1:${a.port}\n`);
  });
  process.once('SIGTERM', () => {
    server.close();
    void producer.disconnect().then(() => process.exit(0));
  });
}

async function consumer(): Promise<void> {
  const pool = new pg.Pool({
    connectionString: env('DATABASE_URL'),
    max: Number(env('PG_POOL_SIZE', '10')),
  });
  await pool.query(`CREATE TABLE IF NOT EXISTS ref_visits (
    id uuid PRIMARY KEY, device_id text, url text, domain text, title text,
    started_at timestamptz, ended_at timestamptz, active_ms bigint,
    received_at timestamptz NOT NULL DEFAULT now())`);
  const c = kafka.consumer({
    groupId: 'reference',
    sessionTimeout: Number(env('KAFKA_SESSION_TIMEOUT_MS', '3000')),
    rebalanceTimeout: 3_000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: Number(env('KAFKA_MAX_WAIT_MS', '100')),
  });
  await c.connect();
  await c.subscribe({ topics: [topic], fromBeginning: true });
  // The next offset expected per partition: a jump forward means messages this consumer never
  // read (kafkajs resets an out-of-range offset to the earliest one the broker still holds, and
  // the mock broker keeps only ~5 MiB per partition), printed so that the bench can say so.
  const nextOffset = new Map<number, bigint>();
  await c.run({
    partitionsConsumedConcurrently: Number(env('KAFKA_PARTITIONS_CONCURRENCY', '1')),
    eachMessage: async ({ partition, message }) => {
      const offset = BigInt(message.offset);
      const expected = nextOffset.get(partition);
      if (expected !== undefined && offset > expected) {
        process.stdout.write(
          `reference consumer skipped partition ${partition} offsets ${expected}..${offset - 1n} (${offset - expected} messages)\n`,
        );
      }
      nextOffset.set(partition, offset + 1n);
      const e = JSON.parse(String(message.value)) as Event & { device: string | null };
      // ON CONFLICT: a message read again after a rebalance (at-least-once) would otherwise fail
      // the primary key, and kafkajs would retry it forever: the consumer would stall.
      await pool.query(
        `INSERT INTO ref_visits (id, device_id, url, domain, title, started_at, ended_at, active_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
        [e.id, e.device, e.url, e.domain, e.title, e.startedAt, e.endedAt, e.activeMs],
      );
    },
  });
  process.stdout.write('reference consumer running\n');
  process.once('SIGTERM', () => {
    void c
      .disconnect()
      .then(() => pool.end())
      .then(() => process.exit(0));
  });
}

const role = process.argv[2] ?? process.env.REF_ROLE;
if (role === 'api') await api();
else if (role === 'consumer') await consumer();
else throw new Error('usage: tsx bench/reference.ts api|consumer');
