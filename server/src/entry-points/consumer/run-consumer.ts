import { setTimeout as sleep } from 'node:timers/promises';
import { addDeadLettered } from '../../data-access/device-pipeline-repo.js';
import { isDataError, type Pool } from '../../data-access/pool.js';
import { insertVisits } from '../../data-access/visits-repo.js';
import { CONSUMER_COMBINER, combineWrites } from '../../data-access/write-combiner.js';
import type { Logger } from '../../logger.js';
import {
  type KafkaSettings,
  startVisitConsumer,
  type VisitConsumer,
  type VisitProducer,
} from '../../messaging/kafka.js';
import type { Metrics } from '../../metrics.js';
import { processBatch } from './batch-processor.js';

/**
 * The pg-writer consumer: each Kafka batch becomes one idempotent write (shared
 * with other partitions' batches in flight); a batch's offsets are committed
 * only after PostgreSQL committed its records.
 */
export async function runConsumer(opts: {
  kafka: KafkaSettings;
  pool: Pool;
  producer: VisitProducer;
  log: Logger;
  metrics: Metrics;
}): Promise<VisitConsumer> {
  const { log, metrics } = opts;
  // The batches of several partitions in flight at once (KAFKA_PARTITIONS_CONCURRENCY)
  // share transactions: a partition's batch is often a request or two. Gathered: the batches
  // kafkajs hands over in one turn go in one transaction, not one each while a writer is free;
  // a turn of many rows goes in one transaction a writer, two backends at once.
  const write = combineWrites((records) => insertVisits(opts.pool, records), CONSUMER_COMBINER);
  return startVisitConsumer(opts.kafka, log, async (batch) => {
    const outcome = await processBatch(batch.messages, {
      write,
      deadLetter: async (poison) => {
        await opts.producer.sendDeadLetters(
          poison.map((p) => ({
            key: p.message.key,
            value: p.message.value,
            reason: p.reason,
            source: {
              topic: batch.topic,
              partition: batch.partition,
              offset: p.message.offset,
              index: p.index,
            },
          })),
        );
        for (const p of poison) metrics.consumerDeadLetters.inc({ cause: p.cause });
        // Per device (the message key), for the Devices dashboard; best effort: the dead letters
        // are safe on their topic whether or not PostgreSQL takes the count.
        await addDeadLettered(
          opts.pool,
          poison.map((p) => p.message.key),
          new Date(),
        ).catch((err: unknown) => log.warn({ err }, 'dead letters not counted per device'));
      },
      // Only the data's fault is dead-lettered; anything else (unreachable, read-only after a
      // failover, an error never seen before) may pass later: wait, never throw good records away.
      isUnavailable: (err) => !isDataError(err),
      sleep: (ms) => sleep(ms),
      heartbeat: batch.heartbeat,
      stillOwned: batch.stillOwned,
      onWaiting: (attempt, err) => {
        metrics.consumerWaiting.set(1);
        if (attempt === 1 || attempt % 10 === 0) {
          log.warn(
            { attempt, code: (err as { code?: unknown }).code, err: (err as Error).message },
            'PostgreSQL did not take the write; waiting to retry',
          );
        }
      },
    });
    metrics.consumerWaiting.set(0);
    // In records, not messages: a message holds a request's worth of records.
    metrics.consumerBatchSize.observe(outcome.records);
    metrics.consumerLag.set({ partition: String(batch.partition) }, batch.lag);
    metrics.consumerWritten.inc({ outcome: 'inserted' }, outcome.inserted);
    metrics.consumerWritten.inc({ outcome: 'dropped' }, outcome.dropped);
    if (outcome.deadLettered > 0) {
      log.warn(
        { count: outcome.deadLettered, partition: batch.partition },
        'dead-lettered records',
      );
    }
    return outcome.done;
  });
}
