/**
 * The only importer of kafkajs. Producer: acks=all, keyed by device id, a request's messages in
 * sends awaited together, each within KAFKA_MAX_MESSAGE_BYTES (produce-requests.ts; format:
 * visit-message.ts), concurrent requests' sends combined (produce-combiner.ts). Consumer:
 * eachBatch, offsets committed once the batch is stored, a wave's together (offset-commits.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Consumer,
  Kafka,
  type KafkaMessage,
  logLevel,
  Partitioners,
  type Producer,
} from 'kafkajs';
import type { Config } from '../config.js';
import type { VisitRecord, VisitSink } from '../data-access/visit-record.js';
import type { Logger } from '../logger.js';
import type { BatchHandler, ConsumedMessage, VisitConsumer } from './consumed-batch.js';
import { superviseMembers } from './consumer-members.js';
import * as dead from './dead-letter.js';
import { commitTogether } from './offset-commits.js';
import { produceCombiner } from './produce-combiner.js';
import { groupForProduce, type ProduceMessage, visitProduceRequests } from './produce-requests.js';

export type KafkaSettings = NonNullable<Config['kafka']>;

export class KafkaUnavailableError extends Error {
  override name = 'KafkaUnavailableError';
}

function createClient(settings: KafkaSettings, log: Logger, role: string): Kafka {
  const klog = log.child({ component: `kafka-${role}` });
  return new Kafka({
    clientId: `${settings.clientId}-${role}`,
    brokers: settings.brokers,
    connectionTimeout: 1_000,
    requestTimeout: 10_000,
    // Few, short retries: the API must answer 503 quickly rather than hold requests.
    retry: { initialRetryTime: 100, retries: 3, maxRetryTime: 1_000 },
    logLevel: log.isLevelEnabled('debug') ? logLevel.INFO : logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...extra } = entry;
        if (level <= logLevel.ERROR) klog.error(extra, message);
        else if (level === logLevel.WARN) klog.warn(extra, message);
        else klog.debug(extra, message);
      },
  });
}

export interface VisitProducer extends VisitSink {
  sendDeadLetters(letters: dead.DeadLetter[]): Promise<void>;
  /** True when a broker answered metadata for the topic recently. */
  ready(): Promise<boolean>;
  disconnect(): Promise<void>;
}

export function createVisitProducer(settings: KafkaSettings, log: Logger): VisitProducer {
  const kafka = createClient(settings, log, 'producer');
  let producer: Producer | null = null;
  let connecting: Promise<Producer> | null = null;
  let admin: ReturnType<Kafka['admin']> | null = null; // ready()'s: one client, not one a probe

  // Connect lazily so an API started while Kafka is down still serves /healthz
  // and answers 503 until Kafka is back.
  async function connected(): Promise<Producer> {
    if (producer !== null) return producer;
    if (connecting === null) {
      const p = kafka.producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
      });
      p.on(p.events.DISCONNECT, () => {
        if (producer === p) producer = null;
      });
      connecting = p
        .connect()
        .then(() => {
          producer = p;
          return p;
        })
        .finally(() => {
          connecting = null;
        });
    }
    return connecting;
  }

  const combined = produceCombiner(settings.maxMessageBytes, async (topic, messages) => {
    await (await connected()).send({ topic, acks: -1, timeout: 10_000, messages });
  });
  /** All the sends at once (produce-requests.ts): resolves once every one is acknowledged. */
  async function send(topic: string, sends: ProduceMessage[][]): Promise<void> {
    try {
      await Promise.all(sends.map((messages) => combined(topic, messages)));
    } catch (err) {
      throw new KafkaUnavailableError(`Kafka did not acknowledge: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  return {
    async deliver(records: VisitRecord[]): Promise<void> {
      if (records.length === 0) return;
      await send(settings.topic, visitProduceRequests(records, settings.maxMessageBytes));
    },
    async sendDeadLetters(letters: dead.DeadLetter[]): Promise<void> {
      const messages = letters.map(dead.deadLetterMessage);
      await send(settings.dlqTopic, groupForProduce(messages, settings.maxMessageBytes));
    },
    async ready(): Promise<boolean> {
      admin ??= kafka.admin(); // connect() below does nothing while it is connected
      const a = admin;
      try {
        await a.connect();
        const md = await a.fetchTopicMetadata({ topics: [settings.topic] });
        return (md.topics[0]?.partitions.length ?? 0) > 0;
      } catch {
        if (admin === a) admin = null;
        await a.disconnect().catch(() => undefined);
        return false;
      }
    },
    async disconnect(): Promise<void> {
      await admin?.disconnect().catch(() => undefined);
      const p = producer ?? (connecting === null ? null : await connecting.catch(() => null));
      producer = null;
      if (p !== null) await p.disconnect();
    },
  };
}

export type {
  BatchHandler,
  ConsumedBatch,
  ConsumedMessage,
  VisitConsumer,
} from './consumed-batch.js';

/** Session, heartbeat and fetch wait of every consumer, from the settings. */
function consumerTiming(settings: KafkaSettings) {
  return {
    sessionTimeout: settings.sessionTimeoutMs,
    rebalanceTimeout: Math.max(settings.sessionTimeoutMs, 3_000),
    heartbeatInterval: Math.max(100, Math.floor(settings.sessionTimeoutMs / 10)),
    maxWaitTimeInMs: settings.maxWaitMs,
    allowAutoTopicCreation: false,
  };
}

function toConsumed(m: KafkaMessage): ConsumedMessage {
  const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));
  return { key: text(m.key), value: text(m.value), offset: m.offset };
}

export async function startVisitConsumer(
  settings: KafkaSettings,
  log: Logger,
  handler: BatchHandler,
): Promise<VisitConsumer> {
  const kafka = createClient(settings, log, 'consumer');
  let running = true;
  /**
   * A group member with its own fetch loop. kafkajs fetches a member's next batches once all of
   * its last fetch's are handled: with more members (KAFKA_CONSUMERS) one member's wave is
   * written while another's is fetched. Each commits its own partitions' offsets, as before.
   */
  async function member(gaveUp: (error: unknown) => void): Promise<Consumer> {
    const consumer = kafka.consumer({
      groupId: settings.groupId,
      ...consumerTiming(settings),
      // Bounds memory: at most this much fetched per partition in flight (RSS target < 250 MB).
      maxBytesPerPartition: 1024 * 1024,
      maxBytes: 8 * 1024 * 1024,
    });
    const commitWave = commitTogether();
    consumer.on(consumer.events.CRASH, (e) => {
      log.error({ err: e.payload.error, restart: e.payload.restart }, 'Kafka consumer crashed');
      if (!e.payload.restart) gaveUp(e.payload.error);
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const partitions = Object.values(e.payload.memberAssignment).flat().length;
      log.info({ memberId: e.payload.memberId, partitions }, 'consumer member joined the group');
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [settings.topic], fromBeginning: true });
      await consumer.run({
        autoCommit: true,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: settings.partitionsConcurrency,
        eachBatch: async (payload) => {
          const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
          if (batch.messages.length === 0) return;
          const done = await handler({
            topic: batch.topic,
            partition: batch.partition,
            messages: batch.messages.map(toConsumed),
            lag: Number(batch.offsetLag()),
            heartbeat,
            stillOwned: () => running && isRunning() && !isStale(),
          });
          if (!done) return;
          resolveOffset(batch.lastOffset());
          await commitWave(payload);
        },
      });
    } catch (err) {
      // A start that fails after connecting lets go of its connections: starts are tried again.
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    return consumer;
  }
  const members = await superviseMembers(settings.consumers ?? 1, member, log);
  return {
    get running(): boolean {
      return running && members.allRunning;
    },
    async stop(): Promise<void> {
      running = false;
      await members.stop();
    },
  };
}

/**
 * At most `limit` dead letters the group `<group>-dlq-replay` has not replayed
 * (dead-letter.ts says how replay() keeps a rerun from replaying one twice).
 */
export async function readDeadLetters(
  settings: KafkaSettings,
  log: Logger,
  limit: number,
): Promise<dead.DeadLetterReplay> {
  const kafka = createClient(settings, log, 'dlq-replay');
  const topic = settings.dlqTopic;
  const groupId = dead.replayGroupOf(settings.groupId);
  const admin = kafka.admin();
  await admin.connect();
  const { wanted, pending } = await Promise.all([
    admin.fetchOffsets({ groupId, topics: [topic] }),
    admin.fetchTopicOffsets(topic),
  ])
    .finally(() => admin.disconnect())
    .then(([[committed], offsets]) =>
      dead.replayRanges(committed?.partitions ?? [], offsets, limit),
    );
  const letters: dead.StoredDeadLetter[] = [];
  const consumer = kafka.consumer({ groupId, ...consumerTiming(settings) });
  let missing = [...wanted.values()].reduce((n, w) => n + Number(w.end - w.next), 0);
  if (missing > 0) {
    let allRead: () => void = () => undefined;
    const read = new Promise<void>((resolve) => {
      allRead = resolve;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message: m }) => {
        const w = wanted.get(partition);
        const offset = BigInt(m.offset);
        if (w === undefined || offset < w.next || offset >= w.end) return;
        letters.push({ ...toConsumed(m), partition, headers: dead.headersAsText(m.headers) });
        w.next = offset + 1n;
        if (--missing === 0) allRead();
      },
    });
    const late = sleep(60_000, 'late', { ref: false });
    if ((await Promise.race([read, late])) === 'late') {
      await consumer.disconnect();
      throw new Error(`${topic}: ${missing} dead letters not read within 60 s`);
    }
  }
  return {
    letters,
    pending,
    async replay(): Promise<void> {
      if (letters.length === 0) return;
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      try {
        const all = letters.map((l) => dead.replayedMessage(l, topic));
        for (const messages of groupForProduce(all, settings.maxMessageBytes))
          await producer.send({ topic: settings.topic, acks: -1, timeout: 10_000, messages });
      } finally {
        await producer.disconnect();
      }
      await consumer.commitOffsets(
        [...wanted].map(([partition, w]) => ({ topic, partition, offset: String(w.next) })),
      );
    },
    close: () => consumer.disconnect(),
  };
}
