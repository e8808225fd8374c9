/**
 * Generators of single visit events for the ingest fuzz run. Each draft says
 * what its generator meant (valid, invalid, or either when a random value may
 * happen to fit the schema), so the test checks the generator against the
 * schema as well as the server against both.
 */
import fc from 'fast-check';
import { TRANSITIONS } from '#protocol';

export type Intent = 'valid' | 'invalid' | 'either';

export interface BuildContext {
  /** The device's clock (sentAt) when the request is built: event times are relative to it. */
  now: number;
  /** A fresh, never used id. */
  id: string;
  /** A placeholder string that the request builder replaces by these raw bytes. */
  raw(bytes: Buffer | string): string;
}

export interface EventDraft {
  intent: Intent;
  /** Which generator made it, for failure messages. */
  what: string;
  /**
   * Sent again as an exact copy of an event sent before (same batch or an earlier request),
   * or of the previous event in the batch with its id upper-cased (the same visit) or its
   * start moved below the millisecond (another visit under the same id).
   */
  reuse:
    | 'none'
    | 'previous-in-batch'
    | 'previous-upper-cased'
    | 'previous-moved'
    | 'earlier-request';
  build(ctx: BuildContext): unknown;
}

const MIN = 60_000;
const DAY = 86_400_000;

/** Unicode that has broken parsers and databases before. */
const TRICKY_TEXT = [
  '\u202Egnp.exe',
  'שלום עולם',
  'مرحبا',
  '😀👍🏽👨‍👩‍👧‍👦',
  '\ud800',
  'a\udc00b',
  '\ufeffBOM',
  'e\u0301',
  '\u200b\u200d\u2028\u2029',
  "'); DROP TABLE visits; --",
  "' OR '1'='1",
  '$1 $$ \\x00 %s %n',
  '<script>alert(1)</script>',
  '\uffff\ufffe',
];

// Not '--' in the third and fourth places: such labels are reserved (RFC 5891), and an 'xn--'
// one must be valid punycode, which URL parsing checks (seed 191714803 drew 'xn---0c-te2').
const hostLabel = fc
  .stringMatching(/^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$/)
  .filter((label) => label.slice(2, 4) !== '--');
const domainArb = fc.oneof(
  fc.constantFrom(
    'example.com',
    'xn--bcher-kva.example',
    '[::1]',
    '127.0.0.1',
    'a.b.c.example.org',
  ),
  fc.tuple(hostLabel, fc.constantFrom('com', 'io', 'co.uk')).map(([l, tld]) => `${l}.${tld}`),
  // The longest domain the schema takes.
  fc.constant(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`),
);

function urlOfLength(length: number): string {
  const head = 'https://example.com/';
  return head + 'p'.repeat(length - head.length);
}

const pathText = fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent);

/** A url and the domain the contract requires with it: the url's host, or any domain alone. */
const siteArb: fc.Arbitrary<{ url: string | null; domain: string }> = fc.oneof(
  domainArb.map((domain) => ({ url: null, domain })),
  fc.tuple(domainArb, pathText).map(([domain, p]) => ({
    url: `https://${domain}/${p}?q=1&access_token=s3cret#x`,
    domain,
  })),
  fc.constantFrom(
    { url: 'http://example.com/', domain: 'example.com' },
    { url: 'https://user:pw@example.com/a?sessionId=9', domain: 'example.com' },
    { url: 'https://example.com/\u202Eexe.txt?x=😀', domain: 'example.com' },
    { url: 'https://bücher.example/straße', domain: 'xn--bcher-kva.example' },
    { url: 'https://example.com/%C0%AF%E0%80%AF', domain: 'example.com' },
    // The host as the URL parser spells it: lower case, no trailing dot, IPv4 in full.
    { url: 'HTTPS://WWW.Example.COM./Path', domain: 'www.example.com' },
    { url: 'http://127.1:8080/', domain: '127.0.0.1' },
    { url: 'http://[2001:DB8::1]/x', domain: '[2001:db8::1]' },
  ),
  fc.constant({ url: urlOfLength(2048), domain: 'example.com' }),
);

const titleArb = fc.oneof(
  fc.constant(null),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replaceAll('\u0000', '')),
  fc.constantFrom(...TRICKY_TEXT),
  fc.constant('t'.repeat(512)),
);

/** Relative times well inside the server's window (retention 395 days, 24 h of future). */
const timesArb = fc
  .record({
    startAgoMs: fc.oneof(fc.integer({ min: 2 * MIN, max: 2 * DAY }), fc.constant(300 * DAY)),
    durationMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 8 * 3_600_000 })),
    activeShare: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
  })
  .map((t) => ({ ...t, activeMs: Math.floor(t.durationMs * t.activeShare) }));

type Fields = Record<string, unknown>;

const validFieldsArb = fc.record({
  site: siteArb,
  title: titleArb,
  times: timesArb,
  sessionId: fc.uuid({ version: [4, 7] }),
  transition: fc.constantFrom(...TRANSITIONS, null),
  // ±15:59: the largest offsets PostgreSQL reads.
  offset: fc.constantFrom('Z', '+05:30', '-08:00', '+15:59', '-15:59'),
});

type ValidFields = typeof validFieldsArb extends fc.Arbitrary<infer T> ? T : never;

/** ISO time with a chosen zone offset, same instant. */
export function isoWithOffset(ms: number, offset: string): string {
  if (offset === 'Z') return new Date(ms).toISOString();
  const sign = offset.startsWith('-') ? -1 : 1;
  const [h, m] = offset.slice(1).split(':').map(Number);
  const shifted = new Date(ms + sign * ((h ?? 0) * 60 + (m ?? 0)) * MIN).toISOString();
  return `${shifted.slice(0, -1)}${offset}`;
}

function fieldsAt(f: ValidFields, ctx: BuildContext): Fields {
  const start = ctx.now - f.times.startAgoMs;
  return {
    id: ctx.id,
    type: 'visit',
    url: f.site.url,
    domain: f.site.domain,
    title: f.title,
    startedAt: isoWithOffset(start, f.offset),
    endedAt: isoWithOffset(start + f.times.durationMs, f.offset),
    activeMs: f.times.activeMs,
    sessionId: f.sessionId,
    transition: f.transition,
  };
}

interface Mutation {
  what: string;
  intent: Intent;
  apply(fields: Fields, ctx: BuildContext): unknown;
}

const set =
  (key: string, value: unknown, intent: Intent = 'invalid', what = `${key}=${String(value)}`) =>
  (): Mutation => ({ what, intent, apply: (f) => ({ ...f, [key]: value }) });

// Either side of the contract's range (1970 to the end of 9999 UTC), year 0000 included.
const FAR_PAST = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00.000Z',
  '2001-01-01T00:00:00Z',
];
const FAR_FUTURE = [
  '9999-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59.999-00:01',
  '2999-01-01T00:00:00+14:00',
];

/** Ways to make an event invalid (or possibly invalid), each known to the generator. */
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant(set('url', urlOfLength(2049), 'invalid', 'url of 2049 characters')()),
  fc.constant(set('title', 't'.repeat(513), 'invalid', 'title of 513 characters')()),
  fc
    .constantFrom('javascript:alert(1)', 'ftp://example.com/', 'not a url', 'https://')
    .map((u) => set('url', u)()),
  fc.constantFrom('a\u0000b', '\u0000').map((t) => set('title', t, 'invalid', 'title with NUL')()),
  fc
    .constantFrom('Example.COM', 'under_score.example', '', 'a b.com', 'x'.repeat(254))
    .map((d) => set('domain', d)()),
  fc
    .constantFrom(
      ['https://evil.example/login', 'bank.example'],
      ['https://bank.example.evil.example/', 'bank.example'],
      ['https://bank.example@evil.example/', 'bank.example'],
      ['https://www.example.com/', 'example.com'],
      ['https://bücher.example/', 'bücher.example'],
    )
    .map(
      ([url, domain]): Mutation => ({
        what: `domain ${domain} on url ${url}`,
        intent: 'invalid',
        apply: (f) => ({ ...f, url, domain }),
      }),
    ),
  fc.constantFrom('Visit', 'click', null).map((t) => set('type', t)()),
  fc.constantFrom('teleport', 'LINK', 7).map((t) => set('transition', t)()),
  fc
    .constantFrom(-1, 1.5, Number.MAX_SAFE_INTEGER + 2, 1e308, '10')
    .map((n) => set('activeMs', n)()),
  fc.constantFrom('not-a-uuid', 12345, null, '').map((v) => set('id', v)()),
  fc
    .constantFrom('2024-01-01T00:00:00', 'yesterday', '+275760-09-13T00:00:00.000Z', 0)
    .map((t) => set('startedAt', t)()),
  fc.constantFrom(...FAR_PAST).map(
    (t): Mutation => ({
      what: `far past ${t}`,
      intent: 'invalid',
      apply: (f) => ({ ...f, startedAt: t, endedAt: t, activeMs: 0 }),
    }),
  ),
  fc.constantFrom(...FAR_FUTURE).map(
    (t): Mutation => ({
      what: `far future ${t}`,
      intent: 'invalid',
      apply: (f) => ({ ...f, startedAt: f.startedAt, endedAt: t }),
    }),
  ),
  fc.constantFrom('+16:00', '-16:00', '+23:59', '-23:59').map(
    (offset): Mutation => ({
      what: `times with offset ${offset}`,
      intent: 'invalid',
      apply: (f) => ({
        ...f,
        startedAt: isoWithOffset(Date.parse(String(f.startedAt)), offset),
        endedAt: isoWithOffset(Date.parse(String(f.endedAt)), offset),
      }),
    }),
  ),
  fc.constant<Mutation>({
    what: 'id upper-cased',
    intent: 'valid',
    apply: (f) => ({ ...f, id: String(f.id).toUpperCase() }),
  }),
  // Digits past the millisecond (PostgreSQL keeps microseconds): later by less than 1 ms.
  // Nine fraction digits at most; ten Node's Date misreads, so the contract refuses them.
  fc.constantFrom('1', '001', '5000', '000001', '999999', '0000001').map(
    (digits): Mutation => ({
      what: `startedAt with sub-millisecond digits ${digits}`,
      intent: digits.length > 6 ? 'invalid' : 'valid',
      apply: (f) => ({ ...f, startedAt: String(f.startedAt).replace(/(\.\d{3})/, `$1${digits}`) }),
    }),
  ),
  fc.constant<Mutation>({
    what: 'endedAt before startedAt',
    intent: 'invalid',
    apply: (f) => ({
      ...f,
      endedAt: new Date(Date.parse(String(f.startedAt)) - 1).toISOString(),
      activeMs: 0,
    }),
  }),
  fc.constant<Mutation>({
    what: 'activeMs over the span',
    intent: 'invalid',
    apply: (f) => ({
      ...f,
      activeMs: Date.parse(String(f.endedAt)) - Date.parse(String(f.startedAt)) + 1,
    }),
  }),
  fc.constantFrom('id', 'type', 'url', 'domain', 'title', 'startedAt', 'endedAt', 'activeMs').map(
    (key): Mutation => ({
      what: `missing ${key}`,
      intent: 'invalid',
      apply: (f) => Object.fromEntries(Object.entries(f).filter(([k]) => k !== key)),
    }),
  ),
  fc.constantFrom('extra', '__proto__', 'constructor', 'deviceId').map(
    (key): Mutation => ({
      what: `extra field ${key}`,
      intent: 'invalid',
      // JSON.parse makes "__proto__" an own property, so the strict schema sees it.
      apply: (f, ctx) => ({ ...f, [key]: ctx.raw('{"polluted":true}') }),
    }),
  ),
  fc
    .tuple(
      fc.constantFrom('url', 'domain', 'title', 'activeMs', 'sessionId', 'transition'),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map(([key, value]) => set(key, value, 'either', `${key} replaced by random JSON`)()),
  // Raw JSON numbers: some parse to values the schema takes, some not.
  fc.constantFrom('1e400', '-0', '1.0', '9007199254740993', '0.1e1', '-1e-400').map(
    (n): Mutation => ({
      what: `activeMs raw ${n}`,
      intent: 'either',
      apply: (f, ctx) => ({ ...f, activeMs: ctx.raw(n) }),
    }),
  ),
  // Bytes that are not UTF-8 (overlong '/', CESU surrogate, stray continuation): the
  // server decodes them to U+FFFD, which is a valid title.
  fc.constantFrom([0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0x80]).map(
    (bytes): Mutation => ({
      what: `title bytes ${bytes.join(',')}`,
      intent: 'valid',
      apply: (f, ctx) => ({ ...f, title: ctx.raw(Buffer.from([0x22, ...bytes, 0x22])) }),
    }),
  ),
);

const nonObjectArb = fc.oneof(
  fc.constantFrom(null, 42, 'visit', true, []),
  fc.jsonValue({ maxDepth: 1 }).filter((v) => typeof v !== 'object' || Array.isArray(v)),
);

export const validEventArb: fc.Arbitrary<EventDraft> = validFieldsArb.map((f) => ({
  intent: 'valid',
  what: 'valid',
  reuse: 'none',
  build: (ctx) => fieldsAt(f, ctx),
}));

export const eventDraftArb: fc.Arbitrary<EventDraft> = fc.oneof(
  { weight: 12, arbitrary: validEventArb },
  {
    weight: 6,
    arbitrary: fc.tuple(validFieldsArb, mutationArb).map(
      ([f, m]): EventDraft => ({
        intent: m.intent,
        what: m.what,
        reuse: 'none',
        build: (ctx) => m.apply(fieldsAt(f, ctx), ctx),
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: nonObjectArb.map(
      (v): EventDraft => ({
        intent: 'invalid',
        what: `not an object: ${JSON.stringify(v)}`,
        reuse: 'none',
        build: () => v,
      }),
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        'previous-in-batch' as const,
        'previous-upper-cased' as const,
        'previous-moved' as const,
        'earlier-request' as const,
      )
      .map(
        (reuse): EventDraft => ({
          intent: 'either',
          what: `repeat (${reuse})`,
          reuse,
          build: () => null,
        }),
      ),
  },
);
