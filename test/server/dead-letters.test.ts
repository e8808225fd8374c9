/**
 * What the consumer dead-letters, and the way back: only records that are the
 * data's fault (undecodable, or refused by PostgreSQL with SQLSTATE class 22
 * or 23) go to the dead-letter topic; any other refusal (here a read-only
 * database, as after a failover) is waited out. Real PostgreSQL and the
 * librdkafka mock cluster.
 */
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRegistered } from '#protocol';
import { makeBatch, makeEvent, postEvents, registerDevice, waitFor } from '../harness/client.js';
import { type KafkaStack, startKafkaStack } from './modes.js';

/** Messages on a topic: the sum of its partitions' end offsets (nothing is ever deleted here). */
async function topicEnd(brokers: string[], topic: string): Promise<number> {
  const admin = new Kafka({ clientId: 'test-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Sets the database's default for new sessions and ends every other session, so it applies. */
async function setReadOnly(url: string, on: boolean): Promise<void> {
  // This session is writable whatever the database's default is.
  const client = new pg.Client({
    connectionString: url,
    options: '-c default_transaction_read_only=off',
  });
  await client.connect();
  try {
    const db = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]?.db;
    await client.query(
      on
        ? `ALTER DATABASE "${db}" SET default_transaction_read_only = on`
        : `ALTER DATABASE "${db}" RESET default_transaction_read_only`,
    );
    await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
  } finally {
    await client.end();
  }
}

async function storedOf(stack: KafkaStack, ids: string[]): Promise<number> {
  const r = await stack.server.pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM visits WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return Number(r.rows[0]?.n);
}

describe('PostgreSQL read-only (SQLSTATE 25006, as after a failover)', () => {
  let stack: KafkaStack;
  let device: DeviceRegistered;

  beforeAll(async () => {
    stack = await startKafkaStack({}, { prefix: 'dlq_readonly' });
    device = await registerDevice(stack.server.url);
  });
  afterAll(async () => {
    await setReadOnly(stack.databaseUrl, false).catch(() => undefined);
    await stack?.stop();
  });

  it('waits until the database is writable again: all 5 accepted events stored, none dead-lettered', async () => {
    await setReadOnly(stack.databaseUrl, true);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const event = makeEvent();
      // Authentication only reads: the API still accepts while PostgreSQL refuses writes.
      const res = await postEvents(stack.server.url, device.token, makeBatch([event]));
      expect(res.status).toBe(200);
      ids.push(event.id);
    }
    const { metrics } = stack.server;
    await waitFor(
      async () =>
        (await metrics.consumerWaiting.get()).values[0]?.value === 1 ||
        (await topicEnd(stack.kafka.brokers, 'visits.v1.dlq')) > 0,
      'the consumer to wait (or to dead-letter)',
      30_000,
    );
    expect(await topicEnd(stack.kafka.brokers, 'visits.v1.dlq')).toBe(0);
    expect(await storedOf(stack, ids)).toBe(0);

    await setReadOnly(stack.databaseUrl, false);
    await waitFor(async () => (await storedOf(stack, ids)) === 5, 'all 5 stored', 30_000);
    expect(await topicEnd(stack.kafka.brokers, 'visits.v1.dlq')).toBe(0);
    // The counter an alert watches is exported from the start, at 0, for both causes.
    const exported = await metrics.registry.metrics();
    expect(exported).toContain('tracksphere_consumer_dead_letters_total{cause="undecodable"} 0');
    expect(exported).toContain('tracksphere_consumer_dead_letters_total{cause="refused"} 0');
  }, 90_000);
});
