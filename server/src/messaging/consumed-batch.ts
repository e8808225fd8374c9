/** What the consumer (kafka.ts) hands its handler, kafkajs left out. */
export interface ConsumedMessage {
  key: string | null;
  value: string | null;
  offset: string;
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
  /** Messages behind the end of this batch in the partition. */
  lag: number;
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the batch was revoked by a rebalance. */
  stillOwned(): boolean;
}

/**
 * The handler returns true once every message of the batch is stored (or dead-lettered):
 * offsets are committed only then. Returning false (stopping) commits nothing, so the batch
 * is consumed again by whoever owns the partition next.
 */
export type BatchHandler = (batch: ConsumedBatch) => Promise<boolean>;

export interface VisitConsumer {
  stop(): Promise<void>;
  readonly running: boolean;
}
