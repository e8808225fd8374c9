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
 * The partitions each of the last `n` members to join the group took at its last join, from the
 * consumer's log (the mock cluster does not answer DescribeGroups). The last ones: a member
 * given up on and started again (consumer-members.ts) joins under a new id, and its old id's
 * joins are history.
 */
function lastJoins(output: string, n: number): number[] {
  const last = new Map<string, number>();
  for (const line of output.split('\n')) {
    if (!line.includes('consumer member joined the group')) continue;
    const entry = JSON.parse(line) as { memberId: string; partitions: number };
    last.delete(entry.memberId);
    last.set(entry.memberId, entry.partitions);
  }
  return [...last.values()].slice(-n);
}

it('two members in one process, killed mid-batch and restarted: every event stored once, every offset committed', async () => {
  const output = await killMidBatchAndRestart(
    stack.server,
    stack.kafka.brokers,
    stack.databaseUrl,
    { KAFKA_CONSUMERS: '2' },
  );
  // Both members of the one process share the partitions.
  const shares = lastJoins(output, 2);
  expect(
    shares.filter((partitions) => partitions > 0),
    output.slice(-3000),
  ).toHaveLength(2);
}, 150_000);
