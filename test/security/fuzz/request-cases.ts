/**
 * Generators of whole POST /api/v1/events requests: who sends it, how the body
 * is framed and encoded, the envelope, and the events. Everything here is
 * plain data; build-request.ts turns a case into bytes.
 */
import fc from 'fast-check';
import { type EventDraft, eventDraftArb, validEventArb } from './event-drafts.js';

export type AuthKind =
  | 'valid'
  | 'valid-lowercase-scheme'
  | 'missing'
  | 'garbage'
  | 'wrong-secret-same-length'
  | 'unknown-device'
  | 'basic-scheme'
  | 'token-of-other-format';

export type EncodingKind =
  | 'identity'
  | 'gzip'
  | 'deflate'
  | 'br'
  | 'explicit-identity'
  | 'unknown'
  | 'double-gzip-header'
  | 'broken-gzip';

export type EnvelopeKind =
  | 'ok'
  | 'missing-batchId'
  | 'bad-batchId'
  | 'bad-sentAt'
  | 'missing-sentAt'
  | 'events-not-array'
  | 'no-events'
  | 'extra-field'
  | 'not-an-object';

export type BodyKind =
  /** The serialized batch, as it is. */
  | 'json'
  /** The serialized batch cut short: never valid JSON, since it starts with '{'. */
  | 'truncated'
  /** Random text: JSON or not, the oracle parses it to know. */
  | 'garbage'
  /** Random bytes, usually not even UTF-8. */
  | 'binary'
  /** Nothing at all (body-parser reads an empty body as {}). */
  | 'empty'
  /** The batch padded with whitespace past 1 MiB. */
  | 'oversized'
  /** A gzip body that inflates past 1 MiB from a few KiB. */
  | 'gzip-bomb'
  /** Arrays nested 100,000 deep inside events. */
  | 'deep-nesting';

export interface RequestCase {
  auth: AuthKind;
  /** Index of the fuzz device that sends it. */
  device: number;
  contentType: string | null;
  encoding: EncodingKind;
  envelope: EnvelopeKind;
  body: BodyKind;
  /** Offset of the device's clock (sentAt and the event times) from the sender's. */
  clockSkewMs: number;
  events: EventDraft[];
  /** Used by the truncated, garbage and binary bodies. */
  noise: { cut: number; text: string; bytes: number[] };
}

export const JSON_CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json;charset=UTF-8',
];
export const OTHER_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  'application/jsonx',
  'application/json; charset=latin1',
];

const weighted = <T>(...pairs: [number, T][]): fc.Arbitrary<T> =>
  fc.oneof(...pairs.map(([weight, value]) => ({ weight, arbitrary: fc.constant(value) })));

const authArb = weighted<AuthKind>(
  [40, 'valid'],
  [2, 'valid-lowercase-scheme'],
  [1, 'missing'],
  [1, 'garbage'],
  [1, 'wrong-secret-same-length'],
  [1, 'unknown-device'],
  [1, 'basic-scheme'],
  [1, 'token-of-other-format'],
);

const contentTypeArb: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom(...JSON_CONTENT_TYPES) },
  { weight: 2, arbitrary: fc.constantFrom(...OTHER_CONTENT_TYPES) },
  { weight: 1, arbitrary: fc.constant(null) },
);

const encodingArb = weighted<EncodingKind>(
  [30, 'identity'],
  [6, 'gzip'],
  [2, 'deflate'],
  [2, 'br'],
  [1, 'explicit-identity'],
  [1, 'unknown'],
  [1, 'double-gzip-header'],
  [1, 'broken-gzip'],
);

const envelopeArb = weighted<EnvelopeKind>(
  [40, 'ok'],
  [1, 'missing-batchId'],
  [1, 'bad-batchId'],
  [1, 'bad-sentAt'],
  [1, 'missing-sentAt'],
  [1, 'events-not-array'],
  [1, 'no-events'],
  [1, 'extra-field'],
  [1, 'not-an-object'],
);

const bodyArb = weighted<BodyKind>(
  [600, 'json'],
  [20, 'truncated'],
  [15, 'garbage'],
  [10, 'binary'],
  [4, 'empty'],
  [1, 'oversized'],
  [1, 'gzip-bomb'],
  [1, 'deep-nesting'],
);

/** Mostly a few events; sometimes exactly at or just past the 500-event limit. */
const eventsArb: fc.Arbitrary<EventDraft[]> = fc.oneof(
  { weight: 1200, arbitrary: fc.array(eventDraftArb, { minLength: 1, maxLength: 6 }) },
  { weight: 2, arbitrary: fc.array(validEventArb, { minLength: 500, maxLength: 500 }) },
  { weight: 1, arbitrary: fc.array(validEventArb, { minLength: 501, maxLength: 501 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.array(eventDraftArb, { minLength: 499, maxLength: 499 }), eventDraftArb)
      .map(([many, last]) => [...many, last]),
  },
);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const skewArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: -6 * HOUR, max: 6 * HOUR }) },
  // An hour inside and outside the server's bound (30 days), and clocks far off either way.
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom(-1, 1),
        fc.constantFrom(30 * DAY - HOUR, 30 * DAY + HOUR, 730 * DAY, 80 * 365 * DAY),
      )
      .map(([sign, ms]) => sign * ms),
  },
);

export function requestCaseArb(devices: number): fc.Arbitrary<RequestCase> {
  return fc.record({
    auth: authArb,
    device: fc.integer({ min: 0, max: devices - 1 }),
    contentType: contentTypeArb,
    encoding: encodingArb,
    envelope: envelopeArb,
    body: bodyArb,
    clockSkewMs: skewArb,
    events: eventsArb,
    noise: fc.record({
      cut: fc.nat(),
      text: fc.oneof(
        fc.json({ maxDepth: 2 }),
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.constantFrom('{', '{"batchId":', 'nul\u0000l', '[1,2', '"\\ud800"', '{}{}', 'NaN'),
      ),
      bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 64 }),
    }),
  });
}
