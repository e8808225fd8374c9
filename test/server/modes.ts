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

export async function startStack(mode: Mode, env: Record<string, string> = {}): Promise<Stack> {
  const databaseUrl = await freshDatabase(`ingest_${mode}`);
  await prepareDatabase(databaseUrl);
  const kafka =
    mode === 'kafka'
      ? await startMockKafka({
          topics: [
            { name: 'visits.v1', partitions: 6 },
            { name: 'visits.v1.dlq', partitions: 1 },
          ],
        })
      : null;
  const server = await startTestServer({
    databaseUrl,
    env,
    ...(kafka === null ? {} : { kafka: testKafkaSettings(kafka.brokers) }),
  });
  return {
    server,
    kafka,
    databaseUrl,
    async stop(): Promise<void> {
      await server.close();
      await kafka?.stop();
    },
  };
}
