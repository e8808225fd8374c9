/**
 * The two ways the server runs: embedded (API writes to PostgreSQL in-process)
 * and Kafka (API -> mock Kafka cluster -> pg-writer consumer -> PostgreSQL).
 * Ingest behaviour suites run once per mode.
 */
import { freshDatabase } from '../harness/database.js';
import { type MockKafka, startMockKafka } from '../harness/kafka-mock.js';
import {
  prepareDatabase,
  startTestServer,
  type TestServer,
  testKafkaSettings,
} from '../harness/server.js';

export type Mode = 'embedded' | 'kafka';
export const MODES: Mode[] = ['embedded', 'kafka'];

export interface Stack {
  server: TestServer;
  kafka: MockKafka | null;
  databaseUrl: string;
  stop(): Promise<void>;
}

export interface KafkaStack extends Stack {
  kafka: MockKafka;
}

/**
 * Kafka mode on a fresh migrated database. `consumer: false` leaves the
 * pg-writer out, for tests that start (or kill) it themselves.
 */
export async function startKafkaStack(
  env: Record<string, string> = {},
  opts: { consumer?: boolean; prefix?: string } = {},
): Promise<KafkaStack> {
  const databaseUrl = await freshDatabase(opts.prefix ?? 'ingest_kafka');
  await prepareDatabase(databaseUrl);
  const kafka = await startMockKafka({
    topics: [
      { name: 'visits.v1', partitions: 6 },
      { name: 'visits.v1.dlq', partitions: 1 },
    ],
  });
  const server = await startTestServer({
    databaseUrl,
    env,
    kafka: testKafkaSettings(kafka.brokers),
    consumer: opts.consumer !== false,
  });
  return {
    server,
    kafka,
    databaseUrl,
    async stop(): Promise<void> {
      await server.close();
      await kafka.stop();
    },
  };
}

export async function startStack(mode: Mode, env: Record<string, string> = {}): Promise<Stack> {
  if (mode === 'kafka') return startKafkaStack(env);
  const databaseUrl = await freshDatabase('ingest_embedded');
  await prepareDatabase(databaseUrl);
  const server = await startTestServer({ databaseUrl, env });
  return {
    server,
    kafka: null,
    databaseUrl,
    stop: () => server.close(),
  };
}
