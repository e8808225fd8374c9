/** `npm run server:api`: the ingest API alone (produces to Kafka when KAFKA_BROKERS is set). */

import { openDatabase } from '../../data-access/database.js';
import { releaseQuotaBlocks } from '../../domain/quota.js';
import { createVisitProducer } from '../../messaging/kafka.js';
import { createMetrics } from '../../metrics.js';
import { bootstrap } from '../bootstrap.js';
import { addressOf, closeServer } from '../http-server.js';
import { onShutdown, startUp } from '../lifecycle.js';
import { startApi } from './start-api.js';

const { config, log } = bootstrap('tracksphere-api');
const metrics = createMetrics();
const start = startUp(config, log);
const db = await start.step(
  'database',
  () => openDatabase(config, log, { migrate: true, maintain: false }),
  (d) => d.close(),
);
const producer = config.kafka === undefined ? null : createVisitProducer(config.kafka, log);
const server = await start.step('http', () =>
  startApi({ config, pool: db.pool, producer, log, metrics }),
);
const { host, port } = addressOf(server);
log.info({ url: `http://${host}:${port}/api/v1` }, 'ingest API ready');
onShutdown(log, [
  ['http', () => closeServer(server)],
  // After the last request: what the quota blocks hold unspent counts no more (quota-blocks.ts).
  ['quota blocks', () => releaseQuotaBlocks(db.pool)],
  ['producer', async () => producer?.disconnect()],
  ['database', () => db.close()],
]);
