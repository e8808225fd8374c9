/**
 * The ingest server in-process for integration tests: a migrated database,
 * the API on port 0, and in Kafka mode the producer and (optionally) the
 * pg-writer consumer, all wired exactly as the entry points wire them.
 */
import type { Server } from 'node:http';
import { type Config, loadConfig } from '../../server/src/config.js';
import { migrate } from '../../server/src/data-access/migrate.js';
import { maintainPartitions } from '../../server/src/data-access/partitions.js';
import { createPool, type Pool } from '../../server/src/data-access/pool.js';
import { startApi } from '../../server/src/entry-points/api/start-api.js';
import { runConsumer } from '../../server/src/entry-points/consumer/run-consumer.js';
import { addressOf, closeServer } from '../../server/src/entry-points/http-server.js';
import { createLogger, type Logger } from '../../server/src/logger.js';
import {
  createVisitProducer,
  type KafkaSettings,
  type VisitConsumer,
  type VisitProducer,
} from '../../server/src/messaging/kafka.js';
import { createMetrics, type Metrics } from '../../server/src/metrics.js';

export const TEST_LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';

export function testLogger(name = 'test'): Logger {
  return createLogger(TEST_LOG_LEVEL, name);
}

/** Kafka settings tuned for the mock cluster (DESIGN.md: short waits, short sessions). */
export function testKafkaSettings(brokers: string[], topic = 'visits.v1'): KafkaSettings {
  return {
    brokers,
    topic,
    dlqTopic: `${topic}.dlq`,
    clientId: 'tracksphere-test',
    groupId: 'pg-writer',
    sessionTimeoutMs: 3_000,
    maxWaitMs: 100,
    partitionsConcurrency: 2,
    maxMessageBytes: 900_000,
  };
}

/** The environment a child server process needs for the same settings. */
export function kafkaEnv(settings: KafkaSettings): Record<string, string> {
  return {
    KAFKA_BROKERS: settings.brokers.join(','),
    KAFKA_TOPIC: settings.topic,
    KAFKA_DLQ_TOPIC: settings.dlqTopic,
    KAFKA_GROUP_ID: settings.groupId,
    KAFKA_SESSION_TIMEOUT_MS: String(settings.sessionTimeoutMs),
    KAFKA_MAX_WAIT_MS: String(settings.maxWaitMs),
    KAFKA_MAX_MESSAGE_BYTES: String(settings.maxMessageBytes),
  };
}

/** Applies migrations and creates partitions around now. */
export async function prepareDatabase(databaseUrl: string): Promise<void> {
  const log = testLogger('migrate');
  await migrate(databaseUrl, log);
  const pool = createPool(databaseUrl, 1, log);
  try {
    await maintainPartitions(pool, {
      now: new Date(),
      monthsAhead: 2,
      monthsBack: 2,
      retentionDays: 395,
    });
  } finally {
    await pool.end();
  }
}

export interface TestServer {
  url: string;
  databaseUrl: string;
  pool: Pool;
  metrics: Metrics;
  producer: VisitProducer | null;
  consumer: VisitConsumer | null;
  close(): Promise<void>;
}

export async function startTestServer(opts: {
  databaseUrl: string;
  kafka?: KafkaSettings;
  consumer?: boolean;
  env?: Record<string, string>;
}): Promise<TestServer> {
  const base = loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: TEST_LOG_LEVEL, ...opts.env });
  const config: Config = { ...base, databaseUrl: opts.databaseUrl, kafka: opts.kafka };
  const log = testLogger('server');
  const metrics = createMetrics(false);
  const pool = createPool(opts.databaseUrl, 5, log);
  const producer = opts.kafka === undefined ? null : createVisitProducer(opts.kafka, log);
  let consumer: VisitConsumer | null = null;
  if (opts.kafka !== undefined && producer !== null && opts.consumer !== false) {
    consumer = await runConsumer({ kafka: opts.kafka, pool, producer, log, metrics });
  }
  const server: Server = await startApi({ config, pool, producer, log, metrics });
  const { port } = addressOf(server);
  return {
    url: `http://127.0.0.1:${port}`,
    databaseUrl: opts.databaseUrl,
    pool,
    metrics,
    producer,
    consumer,
    async close(): Promise<void> {
      await closeServer(server);
      await consumer?.stop();
      await producer?.disconnect();
      await pool.end();
    },
  };
}
