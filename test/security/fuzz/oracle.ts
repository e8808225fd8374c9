/**
 * What the contract (API.md) says the server must answer to a built request,
 * worked out independently of the server: status and error code, or for a
 * 200 which events must be accepted.
 */
import { type ErrorCode, EventBatchSchema, LIMITS, VisitEventSchema } from '#protocol';
import type { BuiltRequest } from './build-request.js';

const RETENTION_MS = 395 * 86_400_000;
/** The server's default MAX_CLOCK_SKEW_DAYS; the generator keeps skews an hour off it. */
const MAX_CLOCK_SKEW_MS = 30 * 86_400_000;
const FUTURE_MS = 24 * 3_600_000;

export type EventVerdict = 'valid' | 'invalid' | 'either';

export type Expected =
  | {
      status: 401 | 413 | 415 | 400;
      code: ErrorCode;
      /** Another answer the contract allows as well (e.g. a broken AND oversized gzip stream). */
      or?: { status: 400 | 413; code: ErrorCode };
    }
  | { status: 200; sentAt: string; events: unknown[] };

function isJsonContentType(value: string | undefined): { json: boolean; utf: boolean } {
  if (value === undefined) return { json: false, utf: false };
  const [type = '', ...params] = value.split(';').map((p) => p.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  return {
    json: type === 'application/json',
    utf: charset === undefined || charset.startsWith('utf-'),
  };
}

export function expectedAnswer(built: BuiltRequest): Expected {
  if (!built.authValid) return { status: 401, code: 'unauthorized' };
  const type = isJsonContentType(built.request.headers['content-type']);
  if (!type.json) return { status: 415, code: 'unsupported_media_type' };
  if (!type.utf || !built.encodingSupported) return { status: 415, code: 'unsupported_media_type' };
  if (built.inflatedBytes > LIMITS.maxBodyBytes) {
    // A stream that is both corrupt and too large fails at whichever comes first while inflating.
    return built.parsedText === null
      ? { status: 413, code: 'payload_too_large', or: { status: 400, code: 'invalid_json' } }
      : { status: 413, code: 'payload_too_large' };
  }
  if (built.parsedText === null) return { status: 400, code: 'invalid_json' };
  let parsed: unknown;
  try {
    // body-parser reads an empty body as {}.
    parsed = built.parsedText.length === 0 ? {} : JSON.parse(built.parsedText);
  } catch {
    return { status: 400, code: 'invalid_json' };
  }
  const envelope = EventBatchSchema.safeParse(parsed);
  if (!envelope.success) return { status: 400, code: 'invalid_batch' };
  if (Math.abs(Date.now() - Date.parse(envelope.data.sentAt)) > MAX_CLOCK_SKEW_MS) {
    return { status: 400, code: 'clock_skew' };
  }
  return { status: 200, sentAt: envelope.data.sentAt, events: envelope.data.events };
}

function withinWindow(
  startedAt: string,
  endedAt: string,
  sentAt: string,
  receivedMs: number,
): boolean {
  const skew = receivedMs - Date.parse(sentAt);
  if (Date.parse(endedAt) + skew > receivedMs + FUTURE_MS) return false;
  return Date.parse(startedAt) + skew >= receivedMs - RETENTION_MS;
}

/**
 * Whether one event must be accepted. The server's clock at receipt lies
 * between sending and the answer; an event whose fate differs within that
 * span may go either way.
 */
export function eventVerdict(
  event: unknown,
  sentAt: string,
  sentMs: number,
  answeredMs: number,
): EventVerdict {
  const parsed = VisitEventSchema.safeParse(event);
  if (!parsed.success) return 'invalid';
  const { startedAt, endedAt, url, domain } = parsed.data;
  // With a url, the domain is its host as the URL parser spells it, without trailing dots.
  if (url !== null && new URL(url).hostname.replace(/\.+$/, '') !== domain) return 'invalid';
  const early = withinWindow(startedAt, endedAt, sentAt, sentMs);
  const late = withinWindow(startedAt, endedAt, sentAt, answeredMs);
  if (early !== late) return 'either';
  return early ? 'valid' : 'invalid';
}
