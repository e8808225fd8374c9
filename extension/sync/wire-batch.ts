/** Turning stored visits into the POST /api/v1/events body, within the contract's limits. */
import { LIMITS, type VisitEvent } from '#protocol';
import type { StoredVisit } from '../db/index.js';

/**
 * Room for `{"batchId":"…","sentAt":"…","events":[]}`: about 100 bytes, more with
 * an extended-year sentAt; the rest of maxBodyBytes is for events.
 */
const ENVELOPE_RESERVE_BYTES = 256;

const encoder = new TextEncoder();

/** Exactly the wire fields: the server's schema is strict, local fields would be refused. */
export function toWireEvent(v: StoredVisit): VisitEvent {
  return {
    id: v.id,
    type: v.type,
    url: v.url,
    domain: v.domain,
    title: v.title,
    startedAt: v.startedAt,
    endedAt: v.endedAt,
    activeMs: v.activeMs,
    sessionId: v.sessionId,
    transition: v.transition,
  };
}

export interface BatchLimits {
  maxEvents: number;
  /** Body size before compression: the server's limit counts decompressed bytes. */
  maxBodyBytes: number;
}

export const CONTRACT_LIMITS: BatchLimits = {
  maxEvents: LIMITS.maxEventsPerBatch,
  maxBodyBytes: LIMITS.maxBodyBytes,
};

export interface PackedEvents {
  visits: StoredVisit[];
  /** Each visit's wire JSON, in the same order. */
  parts: string[];
}

/**
 * The longest prefix of `visits` that fits the limits, and always at least one
 * visit: one that cannot fit alone goes by itself, and the server's 413 then marks
 * it rejected instead of it blocking the outbox.
 */
export function packEvents(
  visits: readonly StoredVisit[],
  limits: BatchLimits = CONTRACT_LIMITS,
): PackedEvents {
  const packed: PackedEvents = { visits: [], parts: [] };
  let bytes = ENVELOPE_RESERVE_BYTES;
  for (const v of visits) {
    if (packed.visits.length >= limits.maxEvents) break;
    const part = JSON.stringify(toWireEvent(v));
    // +1 for the comma between events.
    const size = encoder.encode(part).length + 1;
    if (packed.visits.length > 0 && bytes + size > limits.maxBodyBytes) break;
    bytes += size;
    packed.visits.push(v);
    packed.parts.push(part);
  }
  return packed;
}

/** The same text JSON.stringify({batchId, sentAt, events}) gives, from already serialized events. */
export function encodeBatchBody(batchId: string, sentAt: string, parts: readonly string[]): string {
  return `{"batchId":${JSON.stringify(batchId)},"sentAt":${JSON.stringify(sentAt)},"events":[${parts.join(',')}]}`;
}
