/**
 * Dead letters on the topic KAFKA_DLQ_TOPIC (visits.v1.dlq by default): what
 * the consumer could not store for the data's fault, with headers saying why
 * and where from; and their way back onto the topic (`npm run admin -- dlq
 * replay`). The Kafka side is messaging/kafka.ts.
 */

export interface DeadLetter {
  key: string | null;
  value: string | null;
  reason: string;
  /** index: the record's position when it came from a batch message (value is then that record). */
  source: { topic: string; partition: number; offset: string; index?: number | undefined };
}

/** A dead letter as a message of the dead-letter topic: its headers say why and where from. */
export function deadLetterMessage(l: DeadLetter): {
  key: string | null;
  value: string;
  headers: Record<string, string>;
} {
  return {
    key: l.key,
    value: l.value ?? '',
    headers: {
      reason: l.reason.slice(0, 1000),
      'source-topic': l.source.topic,
      'source-partition': String(l.source.partition),
      'source-offset': l.source.offset,
      ...(l.source.index === undefined ? {} : { 'source-index': String(l.source.index) }),
    },
  };
}

/** A message read back from the dead-letter topic, its headers as text. */
export interface StoredDeadLetter {
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/**
 * A replay run. The consumer group `<KAFKA_GROUP_ID>-dlq-replay` commits its
 * offsets on the dead-letter topic only after the topic acknowledged the
 * copies, so a rerun never replays a letter twice; a crash in between replays
 * it again, which the writer's ON CONFLICT DO NOTHING makes harmless.
 */
export interface DeadLetterReplay {
  /** The first `limit` dead letters not replayed yet, in order within each partition. */
  letters: StoredDeadLetter[];
  /** All those not replayed yet (at least letters.length). */
  pending: number;
  /** Produces `letters` onto the topic (acks=all), then commits the replay group past them. */
  replay(): Promise<void>;
  close(): Promise<void>;
}

/** The consumer group whose committed offsets on the dead-letter topic mark what was replayed. */
export function replayGroupOf(groupId: string): string {
  return `${groupId}-dlq-replay`;
}

/** A dead letter as it goes back onto the topic: same key and value, and where it was. */
export function replayedMessage(
  l: StoredDeadLetter,
  dlqTopic: string,
): { key: string | null; value: string; headers: Record<string, string> } {
  return {
    key: l.key,
    value: l.value ?? '',
    headers: { 'replayed-from': `${dlqTopic}/${l.partition}/${l.offset}` },
  };
}

/** Offsets [next, end) of one partition of the dead-letter topic to replay. */
export interface ReplayRange {
  next: bigint;
  end: bigint;
}

/**
 * What to replay: per partition, from the replay group's committed offset (or
 * the oldest kept) to the end, at most `limit` in all, partitions in order.
 * `pending` counts every letter not replayed yet, beyond the limit too.
 */
export function replayRanges(
  committed: { partition: number; offset: string }[],
  offsets: { partition: number; low: string; high: string }[],
  limit: number,
): { wanted: Map<number, ReplayRange>; pending: number } {
  const wanted = new Map<number, ReplayRange>();
  let pending = 0;
  for (const { partition, low, high } of [...offsets].sort((a, b) => a.partition - b.partition)) {
    const done = BigInt(committed.find((p) => p.partition === partition)?.offset ?? '-1');
    const next = done > BigInt(low) ? done : BigInt(low);
    const count = Number(BigInt(high) - next);
    const take = Math.min(count, limit - Math.min(pending, limit));
    if (count > 0) pending += count;
    if (take > 0) wanted.set(partition, { next, end: next + BigInt(take) });
  }
  return { wanted, pending };
}

/** Kafka headers (Buffers, strings, arrays of them) as text. */
export function headersAsText(
  headers: Record<string, unknown> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = v === undefined ? '' : String(v);
  return out;
}
