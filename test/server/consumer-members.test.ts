/**
 * KAFKA_CONSUMERS: one consumer process runs that many members of the pg-writer group, each
 * with its own fetch loop (one member's wave is written while another's is fetched). The
 * guarantees are each member's: killed mid-batch and restarted, every event is stored exactly
 * once and every offset is committed. Real PostgreSQL, the librdkafka mock cluster, and the
 * consumer's own entry point as a process.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { killMidBatchAndRestart } from './consumer-kit.js';
import { type KafkaStack, startKafkaStack } from './modes.js';

let stack: KafkaStack;

beforeAll(async () => {
  stack = await startKafkaStack(
    { RATE_LIMIT_DEVICE_PER_MINUTE: '10000' },
    { consumer: false, prefix: 'consumer_members' },
  );
});
afterAll(async () => {
  await stack?.stop();
});

/**
 * The members that held partitions at their last join, from the consumer's log (the mock
 * cluster does not answer DescribeGroups).
 */
function membersWithPartitions(output: string): number {
  const last = new Map<string, number>();
  for (const line of output.split('\n')) {
    if (!line.includes('consumer member joined the group')) continue;
    const entry = JSON.parse(line) as { memberId: string; partitions: number };
    last.set(entry.memberId, entry.partitions);
  }
  return [...last.values()].filter((n) => n > 0).length;
}

it('two members in one process, killed mid-batch and restarted: every event stored once, every offset committed', async () => {
  const output = await killMidBatchAndRestart(
    stack.server,
    stack.kafka.brokers,
    stack.databaseUrl,
    { KAFKA_CONSUMERS: '2' },
  );
  // Both members of the one process share the partitions.
  expect(membersWithPartitions(output), output.slice(-3000)).toBe(2);
}, 150_000);
