/**
 * Proves the mock Kafka harness works with kafkajs: metadata, acks=-1 produce, consumer groups
 * with auto-commit, key-based partitioning, and resuming from committed offsets.
 */
import { type Admin, type Consumer, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockKafka, startMockKafka } from './kafka-mock.js';

// Belt and braces: DefaultPartitioner is passed explicitly below, which already avoids the warning.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const METADATA_TOPIC = 'harness-metadata';
const EVENTS_TOPIC = 'harness-events';
const RESUME_TOPIC = 'harness-resume';

/** Consumer settings that keep the mock fast (see kafka-mock.ts). */
const CONSUMER_TIMINGS = {
  maxWaitTimeInMs: 100,
  sessionTimeout: 3000,
  rebalanceTimeout: 3000,
  heartbeatInterval: 300,
} as const;

/** After the expected count arrives, how long we keep listening to prove nothing else comes. */
const QUIET_MS = 500;
const CONSUME_TIMEOUT_MS = 10_000;

interface Received {
  key: string;
  value: string;
  partition: number;
  offset: string;
}

let mock: MockKafka;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

beforeAll(async () => {
  mock = await startMockKafka({
    topics: [
      { name: METADATA_TOPIC, partitions: 6 },
      { name: EVENTS_TOPIC, partitions: 6 },
      { name: RESUME_TOPIC, partitions: 3 },
    ],
  });
  kafka = new Kafka({
    clientId: 'kafka-mock-test',
    brokers: mock.brokers,
    logLevel: logLevel.NOTHING,
  });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await mock?.stop();
});

async function produce(topic: string, messages: { key: string; value: string }[]): Promise<void> {
  await producer.send({ topic, acks: -1, messages });
}

/**
 * Runs a consumer in `groupId` (fromBeginning, eachBatch, autoCommit) until it has received
 * `expected` messages, keeps listening QUIET_MS longer to catch extras, then disconnects (which
 * commits the resolved offsets).
 */
async function consume(groupId: string, topic: string, expected: number): Promise<Received[]> {
  const consumer: Consumer = kafka.consumer({ groupId, ...CONSUMER_TIMINGS });
  const received: Received[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${groupId}: got ${received.length}/${expected} messages`)),
        CONSUME_TIMEOUT_MS,
      );
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        clearTimeout(timer);
        reject(payload.error);
      });
      consumer
        .run({
          autoCommit: true,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              received.push({
                key: m.key?.toString() ?? '',
                value: m.value?.toString() ?? '',
                partition: batch.partition,
                offset: m.offset,
              });
            }
            if (received.length >= expected) {
              clearTimeout(timer);
              setTimeout(resolve, QUIET_MS);
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return received;
}

function keyed(prefix: string, count: number, keys: number): { key: string; value: string }[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}-key-${i % keys}`,
    value: `${prefix}-value-${i}`,
  }));
}

describe('mock Kafka harness', () => {
  it('reports the declared partition count through kafkajs metadata', async () => {
    const metadata = await admin.fetchTopicMetadata({ topics: [METADATA_TOPIC] });
    const topic = metadata.topics.find((t) => t.name === METADATA_TOPIC);
    expect(topic?.partitions).toHaveLength(6);
    expect(topic?.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('delivers exactly the 100 produced messages to a consumer group, same key same partition', async () => {
    const messages = keyed('ev', 100, 10);
    // Several send() calls, so each key is partitioned more than once.
    for (let i = 0; i < messages.length; i += 25) {
      await produce(EVENTS_TOPIC, messages.slice(i, i + 25));
    }

    const received = await consume('harness-events-group', EVENTS_TOPIC, messages.length);

    expect(received).toHaveLength(100);
    expect(received.map((m) => `${m.key}=${m.value}`).sort()).toEqual(
      messages.map((m) => `${m.key}=${m.value}`).sort(),
    );

    const partitionsByKey = new Map<string, Set<number>>();
    for (const m of received) {
      const partitions = partitionsByKey.get(m.key) ?? new Set<number>();
      partitions.add(m.partition);
      partitionsByKey.set(m.key, partitions);
    }
    expect(partitionsByKey.size).toBe(10);
    for (const [key, partitions] of partitionsByKey) {
      expect(partitions.size, `key ${key} spread over partitions ${[...partitions]}`).toBe(1);
    }
    // The keys really are spread out (otherwise "same partition" would prove nothing).
    const used = new Set(received.map((m) => m.partition));
    expect(used.size).toBeGreaterThan(1);
  });

  it('resumes a consumer group from its committed offsets', async () => {
    const groupId = 'harness-resume-group';
    const first = keyed('old', 30, 7);
    await produce(RESUME_TOPIC, first);

    const firstRun = await consume(groupId, RESUME_TOPIC, first.length);
    expect(firstRun.map((m) => m.value).sort()).toEqual(first.map((m) => m.value).sort());

    // The committed offsets (after disconnect) are the partitions' end offsets.
    const ends = await admin.fetchTopicOffsets(RESUME_TOPIC);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [RESUME_TOPIC] });
    const committedByPartition = new Map(
      (committed?.partitions ?? []).map((p) => [p.partition, p.offset]),
    );
    for (const end of ends) {
      expect(committedByPartition.get(end.partition), `partition ${end.partition}`).toBe(end.high);
    }

    const second = keyed('new', 20, 7);
    await produce(RESUME_TOPIC, second);

    // Same group, fromBeginning again: the committed offsets win, so only the new messages come.
    const secondRun = await consume(groupId, RESUME_TOPIC, second.length);
    expect(secondRun.map((m) => m.value).sort()).toEqual(second.map((m) => m.value).sort());
  });
});

describe('mock Kafka harness: a broker fails and comes back', () => {
  const TOPIC = 'harness-failover';
  const GROUP = 'harness-failover-group';
  let cluster: MockKafka;
  let client: Kafka;

  beforeAll(async () => {
    cluster = await startMockKafka({ brokers: 2, topics: [{ name: TOPIC, partitions: 4 }] });
    client = new Kafka({
      clientId: 'kafka-mock-failover',
      brokers: cluster.brokers,
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 1_000 },
    });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  async function leaders(): Promise<number[]> {
    const a = client.admin();
    await a.connect();
    try {
      const md = await a.fetchTopicMetadata({ topics: [TOPIC] });
      return (md.topics[0]?.partitions ?? [])
        .sort((x, y) => x.partitionId - y.partitionId)
        .map((p) => p.leader);
    } finally {
      await a.disconnect();
    }
  }

  async function consumeFrom(expected: number): Promise<string[]> {
    const consumer = client.consumer({ groupId: GROUP, ...CONSUMER_TIMINGS });
    const values: string[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`got ${values.length}/${expected}`)),
          CONSUME_TIMEOUT_MS,
        );
        consumer
          .run({
            eachMessage: async ({ message }) => {
              values.push(message.value?.toString() ?? '');
              if (values.length >= expected) {
                clearTimeout(timer);
                setTimeout(resolve, QUIET_MS);
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return values;
  }

  it('answers commands, and refuses unknown ones', async () => {
    await expect(cluster.command('leader nope 0 1')).rejects.toThrow(/no topic 'nope'/);
    await expect(cluster.command('reboot 1')).rejects.toThrow(/unknown command 'reboot'/);
    await expect(cluster.brokerDown(3)).rejects.toThrow(/no broker '3'/);
  });

  it('moves leaders and the coordinator off a broker that goes down, and back when it is up', async () => {
    await cluster.setCoordinator(GROUP, 1);
    expect(await leaders()).toEqual([1, 2, 1, 2]);
    const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      const batch = (prefix: string) => keyed(prefix, 20, 8);
      await producer.send({ topic: TOPIC, acks: -1, messages: batch('before') });
      expect(await consumeFrom(20)).toHaveLength(20);

      expect(await cluster.brokerDown(1)).toEqual({ partitionsMoved: 2, coordinatorsMoved: 1 });
      expect(await leaders()).toEqual([2, 2, 2, 2]);
      await producer.send({ topic: TOPIC, acks: -1, messages: batch('down') });
      // The group resumes from its offsets, now kept by broker 2. Around a leader or coordinator
      // move a group may deliver a message again (at least once); it never loses one.
      const distinct = async (n: number) => [...new Set(await consumeFrom(n))].sort();
      expect(await distinct(20)).toEqual(
        batch('down')
          .map((m) => m.value)
          .sort(),
      );

      expect(await cluster.brokerUp(1)).toEqual({ partitionsMoved: 2, coordinatorsMoved: 1 });
      expect(await leaders()).toEqual([1, 2, 1, 2]);
      await producer.send({ topic: TOPIC, acks: -1, messages: batch('up') });
      expect(await distinct(20)).toEqual(
        batch('up')
          .map((m) => m.value)
          .sort(),
      );
    } finally {
      await producer.disconnect();
    }
  });
});
