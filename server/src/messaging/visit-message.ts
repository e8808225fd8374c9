/**
 * The value of a message on visits.v1, both ways. Version 2 (what the API
 * writes): one message per accepted request and device, the fields every
 * record of the request shares said once, then its visits:
 *
 *   {"v":2,"deviceId":..,"batchId":..,"receivedAt":..,"seq":..,"clockSkewMs":..,"client":{..},
 *    "visits":[{"id":..,"sessionId":..,"url":..,"domain":..,"title":..,"startedAt":..,
 *               "endedAt":..,"activeMs":..,"transition":..}, ..]}
 *
 * Version 1 (one VisitRecord, one message per event) is what producers before
 * version 2 wrote. It stays readable so that messages still in the topic
 * during an upgrade are not lost, and it is the shape of a dead-lettered
 * record, so a fixed dead letter can be replayed onto the topic as it is.
 *
 * One message per event made encoding and decoding (kafkajs's per-message
 * framing and CRC, JSON of the repeated fields) most of the pipeline's CPU.
 */

import { z } from 'zod';
import { describeIssues } from '#protocol';
import {
  sameRequestContext,
  type VisitRecord,
  VisitRecordSchema,
} from '../data-access/visit-record.js';

/**
 * Consumers re-check what the API already validated, because anything can
 * write to the topic. zod's compiled schemas take a generated fast path for
 * valid input (2-3x cheaper than the interpreted ones, measured) and fall
 * back to the ordinary parser, with its ordinary messages, for invalid input.
 */
const RecordSchema = z.compile(VisitRecordSchema);

const VisitItemSchema = z.compile(
  VisitRecordSchema.pick({
    id: true,
    sessionId: true,
    url: true,
    domain: true,
    title: true,
    startedAt: true,
    endedAt: true,
    activeMs: true,
    transition: true,
  }),
);

const BatchMessageSchema = z.compile(
  VisitRecordSchema.pick({
    deviceId: true,
    batchId: true,
    receivedAt: true,
    seq: true,
    clockSkewMs: true,
    client: true,
  }).extend({
    v: z.literal(2),
    visits: z.array(z.unknown()).min(1),
  }),
);

export interface EncodedMessage {
  /** The device id: per-device order and partition affinity. */
  key: string;
  value: Buffer;
}

function encodeRun(run: VisitRecord[], maxBytes: number, out: EncodedMessage[]): void {
  const first = run[0];
  if (first === undefined) return;
  const value = Buffer.from(
    JSON.stringify({
      v: 2,
      deviceId: first.deviceId,
      batchId: first.batchId,
      receivedAt: first.receivedAt,
      // Absent when the client sent none; consumers before it ignore the field.
      ...(first.seq === undefined ? {} : { seq: first.seq }),
      clockSkewMs: first.clockSkewMs,
      client: first.client,
      visits: run.map((r) => ({
        id: r.id,
        sessionId: r.sessionId,
        url: r.url,
        domain: r.domain,
        title: r.title,
        startedAt: r.startedAt,
        endedAt: r.endedAt,
        activeMs: r.activeMs,
        transition: r.transition,
      })),
    }),
  );
  if (value.length > maxBytes && run.length > 1) {
    const mid = Math.ceil(run.length / 2);
    encodeRun(run.slice(0, mid), maxBytes, out);
    encodeRun(run.slice(mid), maxBytes, out);
    return;
  }
  out.push({ key: first.deviceId, value });
}

/**
 * Version 2 messages for records in order: one per run of records sharing
 * device, batch and receive context (one per request in practice), split in
 * halves while larger than maxBytes (brokers refuse messages over
 * message.max.bytes, 1 MB by default; a full request can come close).
 */
export function encodeVisitMessages(
  records: VisitRecord[],
  maxBytes = 512 * 1024,
): EncodedMessage[] {
  const out: EncodedMessage[] = [];
  let start = 0;
  for (let i = 1; i <= records.length; i++) {
    const a = records[start] as VisitRecord;
    const b = records[i];
    if (b !== undefined && sameRequestContext(a, b)) continue;
    encodeRun(records.slice(start, i), maxBytes, out);
    start = i;
  }
  return out;
}

export interface RawMessage {
  key: string | null;
  value: string | null;
  offset: string;
}

export interface MessagePoison {
  /** For one bad visit of a version 2 message: that visit alone as a version 1 record. */
  value: string | null;
  reason: string;
  /** The visit's position in a version 2 message. */
  index?: number;
}

/** Receives the records and the poison of one message, in message order. */
export interface MessageVisitor {
  record(record: VisitRecord, index: number | undefined): void;
  poison(poison: MessagePoison): void;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Decodes one message. A bad message is poison whole; a bad visit of a good
 * version 2 message is poison alone, and the other visits are kept.
 */
export function decodeVisitMessage(value: string | null, visit: MessageVisitor): void {
  if (value === null) {
    visit.poison({ value, reason: 'empty message value' });
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (err) {
    visit.poison({ value, reason: `value is not JSON: ${(err as Error).message}` });
    return;
  }
  if (!isObject(json) || json.v !== 2) {
    const parsed = RecordSchema.safeParse(json);
    if (parsed.success) visit.record(parsed.data, undefined);
    else {
      visit.poison({
        value,
        reason: `value is not a visit record: ${describeIssues(parsed.error)}`,
      });
    }
    return;
  }
  const batch = BatchMessageSchema.safeParse(json);
  if (!batch.success) {
    visit.poison({
      value,
      reason: `value is not a batch of visit records: ${describeIssues(batch.error)}`,
    });
    return;
  }
  const { deviceId, batchId, receivedAt, seq, clockSkewMs, client, visits } = batch.data;
  const shared = { deviceId, batchId, receivedAt, ...(seq === undefined ? {} : { seq }) };
  visits.forEach((raw, index) => {
    const item = VisitItemSchema.safeParse(raw);
    if (item.success) {
      visit.record({ v: 1, ...item.data, ...shared, clockSkewMs, client }, index);
      return;
    }
    const alone = isObject(raw) ? { ...raw, v: 1, ...shared, clockSkewMs, client } : raw;
    visit.poison({
      value: JSON.stringify(alone) ?? null,
      reason: `value is not a visit record (visit ${index} of the batch): ${describeIssues(item.error)}`,
      index,
    });
  });
}
