/**
 * How messages are cut into produce requests so that no broker refuses one
 * for its size. A broker refuses a record batch over `message.max.bytes`
 * (1,048,588 bytes by default; a topic's `max.message.bytes` overrides it)
 * with MESSAGE_TOO_LARGE, on every retry. kafkajs writes all the messages of
 * one send() bound for one partition as one record batch, so a request's
 * visits (up to LIMITS.maxBodyBytes of JSON, more when gzipped) are cut into
 * messages, and the messages into sends, each under KAFKA_MAX_MESSAGE_BYTES.
 * The sends of one request are awaited together: the API's 2xx still means
 * that every one of them was acknowledged.
 */
import type { VisitRecord } from '../data-access/visit-record.js';
import { encodeVisitMessages } from './visit-message.js';

export interface ProduceMessage {
  key: string | null;
  value: string | Buffer;
  headers?: Record<string, string>;
}

/** A v2 record batch's header (offset, length, epoch, magic, CRC, ... first sequence). */
export const BATCH_OVERHEAD_BYTES = 61;
/** A record's framing besides key, value and headers: length, attributes, deltas, lengths. */
export const RECORD_OVERHEAD_BYTES = 40;
/** Room kept for a message key (a device id: 36 bytes) and its framing. */
const KEY_ROOM_BYTES = 64;
/** The smallest KAFKA_MAX_MESSAGE_BYTES: one visit (URL, title, client) always fits. */
export const MIN_MAX_MESSAGE_BYTES = 64 * 1024;

const byteLength = (s: string | Buffer | null): number =>
  s === null ? 0 : typeof s === 'string' ? Buffer.byteLength(s) : s.length;

/** Bytes `m` adds to a record batch, at most (kafkajs's Record encoding, rounded up). */
export function recordBytes(m: ProduceMessage): number {
  let n = RECORD_OVERHEAD_BYTES + byteLength(m.key) + byteLength(m.value);
  for (const [k, v] of Object.entries(m.headers ?? {})) n += 10 + byteLength(k) + byteLength(v);
  return n;
}

/**
 * `messages` in order, cut into consecutive groups whose record batch, all in
 * one partition, stays within maxBytes. A message too large alone goes alone.
 */
export function groupForProduce<M extends ProduceMessage>(messages: M[], maxBytes: number): M[][] {
  const groups: M[][] = [];
  let group: M[] = [];
  let size = BATCH_OVERHEAD_BYTES;
  for (const m of messages) {
    const n = recordBytes(m);
    if (group.length > 0 && size + n > maxBytes) {
      groups.push(group);
      group = [];
      size = BATCH_OVERHEAD_BYTES;
    }
    group.push(m);
    size += n;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * The sends for one request's records: version 2 messages (visit-message.ts),
 * each small enough to be a record batch of its own within maxBytes, grouped
 * into sends within maxBytes. One send of one message for a usual request.
 */
export function visitProduceRequests(records: VisitRecord[], maxBytes: number): ProduceMessage[][] {
  const valueMax = maxBytes - BATCH_OVERHEAD_BYTES - RECORD_OVERHEAD_BYTES - KEY_ROOM_BYTES;
  return groupForProduce(encodeVisitMessages(records, valueMax), maxBytes);
}
