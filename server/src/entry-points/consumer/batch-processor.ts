import type { VisitRecord, WriteResult } from '../../data-access/visit-record.js';
import { decodeVisitMessage, type MessageVisitor } from '../../messaging/visit-message.js';

export interface IncomingMessage {
  key: string | null;
  value: string | null;
  offset: string;
}

export interface PoisonMessage {
  /**
   * What goes to the dead-letter topic. For one bad record of a batch message
   * this is that record alone (its value a one-record message, so it can be
   * replayed once fixed), with `index` its position in the batch.
   */
  message: IncomingMessage;
  reason: string;
  index?: number;
  /** undecodable: not a visit record; refused: PostgreSQL refused it for its data (class 22/23). */
  cause: DeadLetterCause;
}

export type DeadLetterCause = 'undecodable' | 'refused';

export interface BatchProcessorDeps {
  write(records: VisitRecord[]): Promise<WriteResult>;
  deadLetter(poison: PoisonMessage[]): Promise<void>;
  /**
   * True when the write may pass later (wait and retry); false only when the
   * error is the data's fault (the records are isolated and dead-lettered).
   * The consumer answers true for everything but SQLSTATE classes 22 and 23.
   */
  isUnavailable(err: unknown): boolean;
  sleep(ms: number): Promise<void>;
  heartbeat(): Promise<void>;
  /** False once this process may no longer commit the batch (stopping, rebalanced). */
  stillOwned(): boolean;
  onWaiting?(attempt: number, err: unknown): void;
}

export interface BatchOutcome {
  /** False when the batch was abandoned uncommitted (stopping while PostgreSQL was down). */
  done: boolean;
  /** Records found in the batch's messages (valid or not). */
  records: number;
  inserted: number;
  dropped: number;
  deadLettered: number;
}

const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 5_000;

/** Where a parsed record came from: needed to dead-letter it alone if PostgreSQL refuses it. */
interface RecordSource {
  message: IncomingMessage;
  /** Position in a batch message; undefined for a one-record message. */
  index: number | undefined;
}

interface ParsedBatch {
  records: VisitRecord[];
  sources: RecordSource[];
  poison: PoisonMessage[];
}

/** Decodes every message of a Kafka batch (see messaging/visit-message.ts for both shapes). */
function parseMessages(messages: IncomingMessage[]): ParsedBatch {
  const out: ParsedBatch = { records: [], sources: [], poison: [] };
  let message: IncomingMessage | undefined;
  const visitor: MessageVisitor = {
    record(record, index) {
      out.records.push(record);
      out.sources.push({ message: message as IncomingMessage, index });
    },
    poison(p) {
      const m = message as IncomingMessage;
      out.poison.push(
        p.index === undefined
          ? { message: m, reason: p.reason, cause: 'undecodable' }
          : {
              message: { key: m.key, value: p.value, offset: m.offset },
              reason: p.reason,
              index: p.index,
              cause: 'undecodable',
            },
      );
    },
  };
  for (message of messages) decodeVisitMessage(message.value, visitor);
  return out;
}

function poisonOf(record: VisitRecord, source: RecordSource, reason: string): PoisonMessage {
  const { message, index } = source;
  return index === undefined
    ? { message, reason, cause: 'refused' }
    : {
        message: { key: message.key, value: JSON.stringify(record), offset: message.offset },
        reason,
        index,
        cause: 'refused',
      };
}

/** The dead letter's reason for a write PostgreSQL refused, with the SQLSTATE when there is one. */
function refusal(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const sqlstate = typeof code === 'string' ? ` (SQLSTATE ${code})` : '';
  return `PostgreSQL refused the record${sqlstate}: ${(err as Error).message}`;
}

/**
 * One Kafka batch: poison records to the dead-letter topic with the reason,
 * the rest in one idempotent write. While a write may pass later (PostgreSQL
 * unreachable, read-only, or any error that is not the data's) it waits with
 * exponential backoff (heart-beating so the group keeps the partition); a
 * write refused for its data is split to find the records at fault, which are
 * dead-lettered, so one bad row never blocks the partition.
 */
export async function processBatch(
  messages: IncomingMessage[],
  deps: BatchProcessorDeps,
): Promise<BatchOutcome> {
  const parsed = parseMessages(messages);
  const { poison } = parsed;

  const outcome: BatchOutcome = {
    done: false,
    records: parsed.records.length + poison.length,
    inserted: 0,
    dropped: 0,
    deadLettered: 0,
  };
  const pending: { records: VisitRecord[]; sources: RecordSource[] }[] = [
    { records: parsed.records, sources: parsed.sources },
  ];
  let attempt = 0;
  while (pending.length > 0) {
    const chunk = pending[pending.length - 1];
    if (chunk === undefined) break;
    if (chunk.records.length === 0) {
      pending.pop();
      continue;
    }
    try {
      const res = await deps.write(chunk.records);
      outcome.inserted += res.inserted;
      outcome.dropped += res.dropped;
      pending.pop();
      attempt = 0;
    } catch (err) {
      if (deps.isUnavailable(err)) {
        attempt += 1;
        deps.onWaiting?.(attempt, err);
        const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.min(attempt, 10));
        await deps.sleep(delay);
        if (!deps.stillOwned()) return outcome;
        await deps.heartbeat().catch(() => undefined);
        continue;
      }
      // Refused for its data: halve until the offending record stands alone.
      pending.pop();
      const [record] = chunk.records;
      const [source] = chunk.sources;
      if (chunk.records.length === 1 && record !== undefined && source !== undefined) {
        poison.push(poisonOf(record, source, refusal(err)));
      } else {
        const mid = Math.ceil(chunk.records.length / 2);
        pending.push({ records: chunk.records.slice(mid), sources: chunk.sources.slice(mid) });
        pending.push({
          records: chunk.records.slice(0, mid),
          sources: chunk.sources.slice(0, mid),
        });
      }
    }
  }
  if (poison.length > 0) {
    await deps.deadLetter(poison);
    outcome.deadLettered = poison.length;
  }
  outcome.done = true;
  return outcome;
}
