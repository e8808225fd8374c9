import { z } from 'zod';
import {
  describeIssues,
  type EventBatch,
  type RejectedEvent,
  redactUrlWithDomain,
  VisitEventSchema,
} from '#protocol';
import type { ParsedUserAgent } from '../data-access/devices-repo.js';
import type { VisitRecord } from '../data-access/visit-record.js';
import { AppError } from './errors.js';

export interface IngestContext {
  deviceId: string;
  receivedAt: Date;
  /** The device's number for the batch (the request's `seq`), when it sent one. */
  seq?: number;
  userAgent: ParsedUserAgent;
  retentionDays: number;
  /** The largest |receivedAt - sentAt| corrected; a batch beyond it is refused whole. */
  maxClockSkewMs: number;
}

/**
 * The same schema with zod's generated fast path for valid events (about
 * twice as cheap, measured); invalid ones fall back to the ordinary parser,
 * so the rejection messages are the same.
 */
const EventSchema = z.compile(VisitEventSchema);

/** How far in the future (after clock correction) an event may end: generous, clocks drift. */
const MAX_FUTURE_MS = 24 * 3_600_000;

/**
 * Splits a batch into storable records and rejections, one event at a time,
 * so that a bad event never costs the good ones (DESIGN.md guarantee 4).
 * Pure: the clock and the parsed user agent come in through ctx.
 *
 * Events are judged on their corrected times (raw + clock skew), the times
 * retention drops by. The skew is bounded (ctx.maxClockSkewMs, else the batch
 * is refused with clock_skew), so the raw times stay within that bound of them.
 */
export function prepareBatch(
  batch: EventBatch,
  ctx: IngestContext,
): { records: VisitRecord[]; rejected: RejectedEvent[] } {
  const receivedMs = ctx.receivedAt.getTime();
  const receivedAt = ctx.receivedAt.toISOString();
  const clockSkewMs = receivedMs - Date.parse(batch.sentAt);
  if (Math.abs(clockSkewMs) > ctx.maxClockSkewMs) throw clockSkewError(clockSkewMs, ctx);
  const oldestMs = receivedMs - ctx.retentionDays * 86_400_000;
  const records: VisitRecord[] = [];
  const rejected: RejectedEvent[] = [];
  // An id names one visit: the same id with another start would be stored as a
  // second row (the key is (id, started_at)), so it is refused within a batch.
  // Ids compare as PostgreSQL's uuid does (in any case); starts to the last digit sent.
  const startOfId = new Map<string, number | string>();

  batch.events.forEach((raw, index) => {
    const parsed = EventSchema.safeParse(raw);
    if (!parsed.success) {
      const id =
        typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string'
          ? ((raw as { id: string }).id.slice(0, 64) as string)
          : null;
      rejected.push({ index, id, code: 'invalid_event', message: describeIssues(parsed.error) });
      return;
    }
    const e = parsed.data;
    const startedMs = Date.parse(e.startedAt);
    const endedCorrected = Date.parse(e.endedAt) + clockSkewMs;
    const startedCorrected = startedMs + clockSkewMs;
    if (endedCorrected > receivedMs + MAX_FUTURE_MS) {
      rejected.push({
        index,
        id: e.id,
        code: 'in_future',
        message: `endedAt is more than 24 hours after the time the batch was received, even after correcting the device clock by ${clockSkewMs} ms`,
      });
      return;
    }
    if (startedCorrected < oldestMs) {
      rejected.push({
        index,
        id: e.id,
        code: 'too_old',
        message: `startedAt is older than the server's retention of ${ctx.retentionDays} days`,
      });
      return;
    }
    // The domain must be the url's host (the extension derives it the same way), so that a
    // visit cannot be filed under a site it was not on; without a url it stands alone.
    let url: string | null = null;
    if (e.url !== null) {
      // The server redacts again whatever the client's privacy level was.
      const redacted = redactUrlWithDomain(e.url, 'full');
      if (redacted === null || redacted.domain !== e.domain) {
        rejected.push({
          index,
          id: e.id,
          code: 'invalid_event',
          message: `domain: ${JSON.stringify(e.domain)} is not the host of url (${JSON.stringify(redacted?.domain ?? null)})`,
        });
        return;
      }
      url = redacted.url;
    }
    const id = e.id.toLowerCase();
    const start = exactInstant(e.startedAt, startedMs);
    const firstStart = startOfId.get(id);
    if (firstStart !== undefined && firstStart !== start) {
      rejected.push({
        index,
        id: e.id,
        code: 'invalid_event',
        message: 'id is already used by another visit (with a different startedAt) in this batch',
      });
      return;
    }
    startOfId.set(id, start);
    records.push({
      v: 1,
      id,
      deviceId: ctx.deviceId,
      batchId: batch.batchId,
      sessionId: e.sessionId,
      url,
      domain: e.domain,
      title: url === null ? null : e.title,
      startedAt: e.startedAt,
      endedAt: e.endedAt,
      activeMs: e.activeMs,
      transition: e.transition,
      receivedAt,
      ...(ctx.seq === undefined ? {} : { seq: ctx.seq }),
      clockSkewMs,
      client: {
        browserName: ctx.userAgent.browserName,
        browserVersion: ctx.userAgent.browserVersion,
        osName: ctx.userAgent.osName,
        osVersion: ctx.userAgent.osVersion,
        deviceType: ctx.userAgent.deviceType,
      },
    });
  });
  return { records, rejected };
}

/**
 * The whole batch is refused, not each event: the skew is the batch's, and the
 * server cannot tell whose clock is wrong. Nothing is marked rejected on the
 * device, and the batch is accepted once the clocks agree again.
 */
function clockSkewError(clockSkewMs: number, ctx: IngestContext): AppError {
  const days = (ms: number): string => `${Number((ms / 86_400_000).toFixed(2))} days`;
  const direction = clockSkewMs > 0 ? 'behind' : 'ahead of';
  return new AppError(
    'clock_skew',
    `The batch's sentAt is ${days(Math.abs(clockSkewMs))} ${direction} the server's clock; this server corrects device clocks by at most ${days(ctx.maxClockSkewMs)}. Nothing was accepted: set the device's clock right and send again.`,
    { clockSkewMs, maxClockSkewMs: ctx.maxClockSkewMs },
  );
}

/** The digits of a time's fraction past the millisecond (Date.parse drops them). */
const SUB_MS_DIGITS = /\.\d{3}(\d+)/;

/**
 * The instant an ISO time names, exactly, as a key: its milliseconds (as
 * Date.parse read them, `ms`), or when it has nonzero digits past them
 * (PostgreSQL keeps microseconds) "<ms>.<those digits>". Two spellings of one
 * instant (offsets, trailing zeros) give the same key.
 */
function exactInstant(iso: string, ms: number): number | string {
  // The extension's own form (toISOString: milliseconds, Z) has nothing past the millisecond.
  if (iso.length === 24) return ms;
  const extra = SUB_MS_DIGITS.exec(iso)?.[1]?.replace(/0+$/, '');
  return extra === undefined || extra === '' ? ms : `${ms}.${extra}`;
}
