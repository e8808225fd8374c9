import { setTimeout as sleep } from 'node:timers/promises';
import { isUnavailableError, type Pool } from '../data-access/pool.js';
import { insertVisits } from '../data-access/visits-repo.js';
import { processBatch } from '../domain/batch-processor.js';
import type { Logger } from '../logger.js';
import {
  type KafkaSettings,
  startVisitConsumer,
  type VisitConsumer,
  type VisitProducer,
} from '../messaging/kafka.js';
import type { Metrics } from '../metrics.js';

/**
 * The pg-writer consumer: each Kafka batch becomes one idempotent write;
 * offsets are committed only after PostgreSQL committed.
 */
export async function runConsumer(opts: {
  kafka: KafkaSettings;
  pool: Pool;
  producer: VisitProducer;
  log: Logger;
  metrics: Metrics;
}): Promise<VisitConsumer> {
  const { log, metrics } = opts;
  return startVisitConsumer(opts.kafka, log, async (batch) => {
    metrics.consumerBatchSize.observe(batch.messages.length);
    const outcome = await processBatch(batch.messages, {
      write: (records) => insertVisits(opts.pool, records),
      deadLetter: (poison) =>
        opts.producer.sendDeadLetters(
          poison.map((p) => ({
            key: p.message.key,
            value: p.message.value,
            reason: p.reason,
            source: { topic: batch.topic, partition: batch.partition, offset: p.message.offset },
          })),
        ),
      isUnavailable: isUnavailableError,
      sleep: (ms) => sleep(ms),
      heartbeat: batch.heartbeat,
      stillOwned: batch.stillOwned,
      onWaiting: (attempt, err) => {
        metrics.consumerWaiting.set(1);
        if (attempt === 1 || attempt % 10 === 0) {
          log.warn({ attempt, err: (err as Error).message }, 'PostgreSQL unavailable; waiting');
        }
      },
    });
    metrics.consumerWaiting.set(0);
    metrics.consumerLag.set({ partition: String(batch.partition) }, batch.lag);
    metrics.consumerWritten.inc({ outcome: 'inserted' }, outcome.inserted);
    metrics.consumerWritten.inc({ outcome: 'dropped' }, outcome.dropped);
    metrics.consumerDeadLetters.inc(outcome.deadLettered);
    if (outcome.deadLettered > 0) {
      log.warn(
        { count: outcome.deadLettered, partition: batch.partition },
        'dead-lettered messages',
      );
    }
    return outcome.done;
  });
}
