/**
 * `npm run server:consumer`: the pg-writer consumer alone. Serves /healthz,
 * /readyz and /metrics on CONSUMER_PORT.
 */
import express from 'express';
import { openDatabase } from '../../data-access/database.js';
import { isReachable } from '../../data-access/pool.js';
import { createVisitProducer } from '../../messaging/kafka.js';
import { createMetrics } from '../../metrics.js';
import { operationsRouter } from '../api/routes/operations.js';
import { bootstrap } from '../bootstrap.js';
import { addressOf, closeServer, listen } from '../http-server.js';
import { onShutdown } from '../lifecycle.js';
import { runConsumer } from './run-consumer.js';

const { config, log } = bootstrap('tracksphere-consumer');
if (config.kafka === undefined) {
  process.stderr.write('KAFKA_BROKERS: required by the consumer (host:port,host:port)\n');
  process.exit(2);
}
const kafka = config.kafka;
const metrics = createMetrics();
const db = await openDatabase(config, log, { migrate: true, maintain: true });
const producer = createVisitProducer(kafka, log);
const consumer = await runConsumer({ kafka, pool: db.pool, producer, log, metrics });

const ops = express();
ops.use(
  operationsRouter({
    metrics,
    readiness: async () => ({
      postgres: await isReachable(db.pool),
      kafka: consumer.running,
    }),
  }),
);
const server = await listen(ops, config.consumerPort, config.host);
log.info({ ops: addressOf(server), topic: kafka.topic, group: kafka.groupId }, 'consumer running');
onShutdown(log, [
  ['consumer', () => consumer.stop()],
  ['producer', () => producer.disconnect()],
  ['http', () => closeServer(server)],
  ['database', () => db.close()],
]);
