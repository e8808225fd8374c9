/** Turns a generated RequestCase into the exact bytes and headers to send. */
import { randomUUID } from 'node:crypto';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { v7 as uuidv7 } from 'uuid';
import type { BuildContext } from './event-drafts.js';
import type { RawRequest } from './raw-client.js';
import type { AuthKind, EncodingKind, RequestCase } from './request-cases.js';

export interface FuzzDevice {
  deviceId: string;
  token: string;
}

export interface BuiltRequest {
  request: RawRequest;
  /** The body the server's JSON parser sees, after decompression; null if it cannot inflate it. */
  parsedText: string | null;
  /** Bytes the server inflates before parsing (the 1 MiB limit counts these). */
  inflatedBytes: number;
  /** Every id this request carries for an event, valid or not, as sent. */
  eventIds: string[];
  /** Whether the headers name an encoding the server takes at all. */
  encodingSupported: boolean;
  /** Whether authentication should pass. */
  authValid: boolean;
  sentAtMs: number;
}

const ONE_MIB = 1024 * 1024;
let bombCache: Buffer | null = null;

/** 4 MiB of spaces inside a JSON string, gzipped to a few KiB; made once per run. */
function gzipBomb(): Buffer {
  bombCache ??= gzipSync(Buffer.from(`{"pad":"${' '.repeat(4 * ONE_MIB)}"}`));
  return bombCache;
}

function authHeader(kind: AuthKind, device: FuzzDevice): string | undefined {
  const secret = device.token.slice(device.token.indexOf('.') + 1);
  switch (kind) {
    case 'valid':
      return `Bearer ${device.token}`;
    case 'valid-lowercase-scheme':
      return `bearer  ${device.token}`;
    case 'missing':
      return undefined;
    case 'garbage':
      return 'Bearer \u00ff\u00fe not a token';
    case 'wrong-secret-same-length':
      // Same id and same length, last character changed: only the comparison can refuse it.
      return `Bearer ${device.deviceId}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    case 'unknown-device':
      return `Bearer ${randomUUID()}.${secret}`;
    case 'basic-scheme':
      return `Basic ${Buffer.from(`${device.deviceId}:${secret}`).toString('base64')}`;
    case 'token-of-other-format':
      return `Bearer ${secret}.${device.deviceId}`;
  }
}

const ENCODING_HEADER: Record<EncodingKind, string | undefined> = {
  identity: undefined,
  'explicit-identity': 'identity',
  gzip: 'gzip',
  deflate: 'deflate',
  br: 'br',
  unknown: 'compress',
  'double-gzip-header': 'gzip, gzip',
  'broken-gzip': 'gzip',
};

function encode(kind: EncodingKind, plain: Buffer): Buffer {
  switch (kind) {
    case 'gzip':
    case 'double-gzip-header':
      return gzipSync(plain);
    case 'deflate':
      return deflateSync(plain);
    case 'br':
      // Quality 11 (the default) costs ~50 ms a request; the server decodes any quality alike.
      return brotliCompressSync(plain, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
    case 'broken-gzip':
      return Buffer.concat([gzipSync(plain).subarray(0, 12), Buffer.from('not-deflate-data')]);
    default:
      return plain;
  }
}

/**
 * Serializes with raw splices: values made by ctx.raw() are placeholders in
 * the JSON text, replaced by their bytes afterwards (numbers like 1e400 or
 * bytes that are not UTF-8 cannot come out of JSON.stringify).
 */
function serialize(value: unknown, splices: Map<string, Buffer>): Buffer {
  const text = JSON.stringify(value);
  if (splices.size === 0) return Buffer.from(text);
  const parts: Buffer[] = [];
  const re = /"(__raw_[0-9a-f]{8}__)"/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    const bytes = splices.get(m[1] ?? '');
    if (bytes === undefined) continue;
    parts.push(Buffer.from(text.slice(last, m.index)), bytes);
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(text.slice(last)));
  return Buffer.concat(parts);
}

function envelopeOf(c: RequestCase, events: unknown[], sentAt: string): unknown {
  const batch: Record<string, unknown> = { batchId: uuidv7(), sentAt, events };
  switch (c.envelope) {
    case 'ok':
      return batch;
    case 'missing-batchId':
      return { sentAt, events };
    case 'bad-batchId':
      return { ...batch, batchId: 'batch-1' };
    case 'bad-sentAt':
      return { ...batch, sentAt: 'now' };
    case 'missing-sentAt':
      return { batchId: batch.batchId, events };
    case 'events-not-array':
      return { ...batch, events: { 0: events[0] } };
    case 'no-events':
      return { ...batch, events: [] };
    case 'extra-field':
      return { ...batch, deviceId: randomUUID() };
    case 'not-an-object':
      return events;
  }
}

function hasStringId(e: unknown): e is { id: string; startedAt?: unknown } {
  return typeof e === 'object' && e !== null && typeof (e as { id?: unknown }).id === 'string';
}

/** The time with other digits past its millisecond (a different instant), or as it was. */
function movedBelowMs(time: unknown): unknown {
  if (typeof time !== 'string') return time;
  return time.replace(/(\.\d{3})(\d*)/, (_, ms: string, extra: string) =>
    extra.replace(/0+$/, '') === '7' ? `${ms}3` : `${ms}7`,
  );
}

export function buildRequest(
  c: RequestCase,
  devices: readonly FuzzDevice[],
  earlierEvent: (device: number) => unknown,
): BuiltRequest {
  const device = devices[c.device] ?? devices[0];
  if (device === undefined) throw new Error('no fuzz device');
  const now = Date.now();
  const sentAtMs = now + c.clockSkewMs;
  const splices = new Map<string, Buffer>();
  const raw = (bytes: Buffer | string): string => {
    const key = `__raw_${splices.size.toString(16).padStart(8, '0')}__`;
    splices.set(key, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
    return key;
  };
  const events: unknown[] = [];
  for (const draft of c.events) {
    const previous = events.at(-1);
    if (draft.reuse === 'previous-in-batch' && previous !== undefined) events.push(previous);
    else if (draft.reuse === 'previous-upper-cased' && hasStringId(previous)) {
      events.push({ ...previous, id: previous.id.toUpperCase() });
    } else if (draft.reuse === 'previous-moved' && hasStringId(previous)) {
      events.push({ ...previous, startedAt: movedBelowMs(previous.startedAt) });
    } else if (draft.reuse === 'earlier-request' && earlierEvent(c.device) !== undefined) {
      events.push(earlierEvent(c.device));
    } else {
      const ctx: BuildContext = { now: sentAtMs, id: uuidv7(), raw };
      events.push(draft.build(ctx));
    }
  }
  if (c.body === 'deep-nesting') events.push(raw(`${'['.repeat(100_000)}${']'.repeat(100_000)}`));
  const eventIds = events.flatMap((e) => {
    const id = typeof e === 'object' && e !== null ? (e as { id?: unknown }).id : undefined;
    return typeof id === 'string' ? [id] : [];
  });
  let plain = serialize(envelopeOf(c, events, new Date(sentAtMs).toISOString()), splices);
  let encoding = c.encoding;
  switch (c.body) {
    case 'truncated':
      plain = plain.subarray(0, c.noise.cut % plain.length);
      break;
    case 'garbage':
      plain = Buffer.from(c.noise.text);
      break;
    case 'binary':
      plain = Buffer.from(c.noise.bytes);
      break;
    case 'empty':
      plain = Buffer.alloc(0);
      break;
    case 'oversized':
      plain = Buffer.concat([plain, Buffer.alloc(ONE_MIB + 1 - plain.length, 0x20)]);
      break;
    default:
      break;
  }
  let body = encode(encoding, plain);
  let inflatedBytes = plain.length;
  if (c.body === 'gzip-bomb') {
    encoding = 'gzip';
    body = gzipBomb();
    inflatedBytes = 4 * ONE_MIB + 10;
    plain = Buffer.alloc(0);
  }

  const headers: Record<string, string> = {
    'user-agent': 'tracksphere-fuzz/1 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0',
  };
  const auth = authHeader(c.auth, device);
  if (auth !== undefined) headers.authorization = auth;
  if (c.contentType !== null) headers['content-type'] = c.contentType;
  const encodingHeader = ENCODING_HEADER[encoding];
  if (encodingHeader !== undefined) headers['content-encoding'] = encodingHeader;

  const inflatable = encoding !== 'broken-gzip' && c.body !== 'gzip-bomb';
  return {
    request: { method: 'POST', path: '/api/v1/events', headers, body },
    parsedText: inflatable ? new TextDecoder('utf-8').decode(plain) : null,
    inflatedBytes,
    eventIds,
    encodingSupported: encoding !== 'unknown' && encoding !== 'double-gzip-header',
    authValid: c.auth === 'valid' || c.auth === 'valid-lowercase-scheme',
    sentAtMs,
  };
}
