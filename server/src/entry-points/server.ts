/**
 * `npm run server`: the API and, when KAFKA_BROKERS is set, the consumer in one
 * process. With no DATABASE_URL an embedded PostgreSQL is started; with no
 * KAFKA_BROKERS batches go straight to the writer (2xx after commit).
 */

import { openDatabase } from '../data-access/database.js';
import { releaseQuotaBlocks } from '../domain/quota.js';
import { createVisitProducer, type VisitConsumer } from '../messaging/kafka.js';
import { createMetrics } from '../metrics.js';
import { startApi } from './api/start-api.js';
import { bootstrap } from './bootstrap.js';
import { runConsumer } from './consumer/run-consumer.js';
import { addressOf, closeServer } from './http-server.js';
import { onShutdown, startUp } from './lifecycle.js';

const { config, log } = bootstrap('tracksphere-server');
const metrics = createMetrics();
const start = startUp(config, log);
const db = await start.step(
  'database',
  () => openDatabase(config, log, { migrate: true, maintain: true }),
  (d) => d.close(),
);
const producer = config.kafka === undefined ? null : createVisitProducer(config.kafka, log);
let consumer: VisitConsumer | null = null;
if (config.kafka !== undefined && producer !== null) {
  const kafka = config.kafka;
  consumer = await start.step(
    'kafka',
    () => runConsumer({ kafka, pool: db.pool, producer, log, metrics }),
    async (c) => {
      await c.stop();
      await producer.disconnect();
    },
  );
}
const server = await start.step('http', () =>
  startApi({ config, pool: db.pool, producer, log, metrics }),
);
const { host, port } = addressOf(server);
log.info(
  {
    url: `http://${host}:${port}/api/v1`,
    mode: config.kafka === undefined ? 'embedded (no Kafka)' : 'kafka',
    database: db.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL',
  },
  'Tracksphere server ready',
);
onShutdown(log, [
  ['http', () => closeServer(server)],
  // After the last request: what the quota blocks hold unspent counts no more (quota-blocks.ts).
  ['quota blocks', () => releaseQuotaBlocks(db.pool)],
  ['consumer', async () => consumer?.stop()],
  ['producer', async () => producer?.disconnect()],
  ['database', () => db.close()],
]);
