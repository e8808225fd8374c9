import { describeIssues } from './ingest.js';
import { type VisitRecord, VisitRecordSchema, type WriteResult } from './visit-record.js';

export interface IncomingMessage {
  key: string | null;
  value: string | null;
  offset: string;
}

export interface PoisonMessage {
  message: IncomingMessage;
  reason: string;
}

export interface BatchProcessorDeps {
  write(records: VisitRecord[]): Promise<WriteResult>;
  deadLetter(poison: PoisonMessage[]): Promise<void>;
  /** True when the error means PostgreSQL is unreachable (wait and retry), not bad data. */
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
  inserted: number;
  dropped: number;
  deadLettered: number;
}

const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 5_000;

export function parseMessage(m: IncomingMessage): VisitRecord | PoisonMessage {
  if (m.value === null) return { message: m, reason: 'empty message value' };
  let json: unknown;
  try {
    json = JSON.parse(m.value);
  } catch (err) {
    return { message: m, reason: `value is not JSON: ${(err as Error).message}` };
  }
  const parsed = VisitRecordSchema.safeParse(json);
  if (!parsed.success) {
    return { message: m, reason: `value is not a visit record: ${describeIssues(parsed.error)}` };
  }
  return parsed.data;
}

function isPoison(x: VisitRecord | PoisonMessage): x is PoisonMessage {
  return 'reason' in x && 'message' in x;
}

/**
 * One Kafka batch: poison messages to the dead-letter topic with the reason,
 * the rest in one idempotent write. While PostgreSQL is unreachable it waits
 * with exponential backoff (heart-beating so the group keeps the partition);
 * a write refused for its data is split to find the records at fault, which
 * are dead-lettered, so one bad row never blocks the partition.
 */
export async function processBatch(
  messages: IncomingMessage[],
  deps: BatchProcessorDeps,
): Promise<BatchOutcome> {
  const records: VisitRecord[] = [];
  const recordMessages: IncomingMessage[] = [];
  const poison: PoisonMessage[] = [];
  for (const m of messages) {
    const r = parseMessage(m);
    if (isPoison(r)) poison.push(r);
    else {
      records.push(r);
      recordMessages.push(m);
    }
  }

  const outcome: BatchOutcome = { done: false, inserted: 0, dropped: 0, deadLettered: 0 };
  const pending: { records: VisitRecord[]; messages: IncomingMessage[] }[] = [
    { records, messages: recordMessages },
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
      if (chunk.records.length === 1 && chunk.messages[0] !== undefined) {
        poison.push({
          message: chunk.messages[0],
          reason: `PostgreSQL refused the record: ${(err as Error).message}`,
        });
      } else {
        const mid = Math.ceil(chunk.records.length / 2);
        pending.push({ records: chunk.records.slice(mid), messages: chunk.messages.slice(mid) });
        pending.push({
          records: chunk.records.slice(0, mid),
          messages: chunk.messages.slice(0, mid),
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
