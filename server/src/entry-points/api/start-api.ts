import type { Server } from 'node:http';
import type { Config } from '../../config.js';
import { watchOpenCohorts } from '../../data-access/cohort-gauge.js';
import { directSink } from '../../data-access/direct-sink.js';
import { isReachable, type Pool } from '../../data-access/pool.js';
import { createDeviceAuthenticator } from '../../domain/device-auth.js';
import type { Logger } from '../../logger.js';
import type { VisitProducer } from '../../messaging/kafka.js';
import type { Metrics } from '../../metrics.js';
import { listen } from '../http-server.js';
import { createApp } from './app.js';

/** Starts the ingest API; its sink is Kafka when a producer is given, else PostgreSQL directly. */
export async function startApi(opts: {
  config: Config;
  pool: Pool;
  producer: VisitProducer | null;
  log: Logger;
  metrics: Metrics;
}): Promise<Server> {
  const { config, pool, producer } = opts;
  watchOpenCohorts(opts.metrics, pool, opts.log);
  const app = createApp({
    pool,
    auth: createDeviceAuthenticator(pool, { ttlMs: config.authCacheTtlMs }),
    sink: producer ?? directSink(pool),
    sinkName: producer === null ? 'postgres' : 'kafka',
    log: opts.log,
    metrics: opts.metrics,
    config,
    readiness: async (): Promise<Record<string, boolean>> => {
      const [postgres, kafka] = await Promise.all([
        isReachable(pool),
        producer === null ? Promise.resolve(null) : producer.ready(),
      ]);
      return kafka === null ? { postgres } : { postgres, kafka };
    },
    now: () => new Date(),
  });
  return listen(app, config.port, config.host);
}
