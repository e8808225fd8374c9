import { describe, expect, it } from 'vitest';
import type { EventBatch } from '#protocol';
import { AppError } from './errors.js';
import { type IngestContext, prepareBatch } from './ingest.js';

const RECEIVED = new Date('2026-06-15T12:00:00.000Z');
const DAY = 86_400_000;
const ctx: IngestContext = {
  deviceId: '0190a6f2-1111-7000-8000-0000000000aa',
  receivedAt: RECEIVED,
  retentionDays: 30,
  maxClockSkewMs: 7 * DAY,
  userAgent: {
    browserName: 'Firefox',
    browserVersion: '128.0',
    engineName: 'Gecko',
    osName: 'Linux',
    osVersion: null,
    deviceType: 'desktop',
  },
};

function event(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `0190a6f2-2222-7000-8000-${String(i).padStart(12, '0')}`,
    type: 'visit',
    url: 'https://example.com/a?q=1&token=secret#x',
    domain: 'example.com',
    title: 'A',
    startedAt: '2026-06-15T10:00:00.000Z',
    endedAt: '2026-06-15T10:01:00.000Z',
    activeMs: 45_000,
    sessionId: '0190a6f2-3333-7000-8000-000000000001',
    transition: 'typed',
    ...overrides,
  };
}

function batch(events: unknown[], sentAt = '2026-06-15T11:59:00.000Z'): EventBatch {
  return { batchId: '0190a6f2-4444-7000-8000-000000000001', sentAt, events };
}

describe('prepareBatch', () => {
  it('corrects for clock skew from receivedAt - sentAt and keeps raw times', () => {
    const { records, rejected } = prepareBatch(batch([event(1)]), ctx);
    expect(rejected).toEqual([]);
    expect(records[0]).toMatchObject({
      v: 1,
      deviceId: ctx.deviceId,
      startedAt: '2026-06-15T10:00:00.000Z',
      clockSkewMs: 60_000,
      receivedAt: RECEIVED.toISOString(),
      client: { browserName: 'Firefox', osName: 'Linux', deviceType: 'desktop' },
    });
  });

  it('redacts the URL again on the server', () => {
    const { records } = prepareBatch(batch([event(1)]), ctx);
    expect(records[0]?.url).toBe('https://example.com/a?q=1');
  });

  it('rejects each bad event with its index, id and reason, and keeps the good ones', () => {
    const { records, rejected } = prepareBatch(
      batch([
        event(0),
        event(1, { activeMs: -1 }),
        'not an object',
        event(3, { startedAt: '2026-06-15T10:02:00.000Z' }),
        event(4, {
          startedAt: '2026-06-17T10:00:00.000Z',
          endedAt: '2026-06-17T10:00:01.000Z',
          activeMs: 0,
        }),
        event(5, {
          startedAt: '2026-04-01T10:00:00.000Z',
          endedAt: '2026-04-01T10:00:01.000Z',
          activeMs: 0,
        }),
        event(6, { title: 'nul\u0000byte' }),
        event(7),
      ]),
      ctx,
    );
    expect(records.map((r) => r.id.slice(-1))).toEqual(['0', '7']);
    expect(rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'invalid_event'],
      [2, 'invalid_event'],
      [3, 'invalid_event'],
      [4, 'in_future'],
      [5, 'too_old'],
      [6, 'invalid_event'],
    ]);
    expect(rejected[0]?.id).toBe(event(1).id);
    expect(rejected[1]?.id).toBeNull();
    expect(rejected[0]?.message).toMatch(/activeMs/);
    expect(rejected[5]?.message).toMatch(/NUL/);
  });

  it('refuses an id reused with a different start inside one batch, and keeps exact repeats', () => {
    const moved = event(1, { startedAt: '2026-06-15T10:00:01.000Z' });
    const { records, rejected } = prepareBatch(batch([event(1), event(1), moved]), ctx);
    expect(records).toHaveLength(2);
    expect(rejected.map((r) => [r.index, r.code])).toEqual([[2, 'invalid_event']]);
    expect(rejected[0]?.message).toMatch(/already used/);
  });

  it('refuses an id reused in a batch in another case or with a start apart by less than a millisecond', () => {
    const id = event(1).id as string;
    const { records, rejected } = prepareBatch(
      batch([
        event(1),
        event(1, { id: id.toUpperCase(), startedAt: '2026-06-15T10:00:05.000Z' }),
        event(1, { startedAt: '2026-06-15T10:00:00.0001Z' }),
        event(1, { startedAt: '2026-06-15T10:00:00.000001Z' }),
        // The same instant, written otherwise: exact repeats, kept (stored once).
        event(1, { id: id.toUpperCase() }),
        event(1, { startedAt: '2026-06-15T10:00:00.000000Z' }),
        event(1, { startedAt: '2026-06-15T12:00:00.000+02:00' }),
      ]),
      ctx,
    );
    expect(rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'invalid_event'],
      [2, 'invalid_event'],
      [3, 'invalid_event'],
    ]);
    expect(rejected[0]?.id).toBe(id.toUpperCase());
    expect(records.map((r) => r.id)).toEqual([id, id, id, id]);
  });

  it('keeps apart the starts of different ids that differ below a millisecond', () => {
    const { records, rejected } = prepareBatch(
      batch([
        event(1, { startedAt: '2026-06-15T10:00:00.0001Z' }),
        event(2, { startedAt: '2026-06-15T10:00:00.0002Z' }),
      ]),
      ctx,
    );
    expect(rejected).toEqual([]);
    expect(records.map((r) => r.startedAt)).toEqual([
      '2026-06-15T10:00:00.0001Z',
      '2026-06-15T10:00:00.0002Z',
    ]);
  });

  it("refuses a domain that is not the url's host, and takes a domain alone when url is null", () => {
    const { records, rejected } = prepareBatch(
      batch([
        event(0, { url: 'https://evil.example/login', domain: 'bank.example' }),
        event(1, { url: null, domain: 'bank.example' }),
        event(2, { url: 'https://bücher.example/ß', domain: 'xn--bcher-kva.example' }),
        event(3, { url: 'HTTPS://WWW.Example.COM./a', domain: 'www.example.com' }),
        event(4, { url: 'http://127.1:8080/', domain: '127.0.0.1' }),
        event(5, { url: 'http://[2001:DB8::1]/x', domain: '[2001:db8::1]' }),
        event(6, { url: 'https://bank.example.evil.example/', domain: 'bank.example' }),
        event(7, { url: 'https://bank.example@evil.example/', domain: 'bank.example' }),
        event(8, { url: 'https://www.example.com/', domain: 'example.com' }),
      ]),
      ctx,
    );
    expect(records.map((r) => [r.id.slice(-1), r.domain])).toEqual([
      ['1', 'bank.example'],
      ['2', 'xn--bcher-kva.example'],
      ['3', 'www.example.com'],
      ['4', '127.0.0.1'],
      ['5', '[2001:db8::1]'],
    ]);
    expect(rejected.map((r) => [r.index, r.code])).toEqual([
      [0, 'invalid_event'],
      [6, 'invalid_event'],
      [7, 'invalid_event'],
      [8, 'invalid_event'],
    ]);
    expect(rejected[0]?.message).toBe(
      'domain: "bank.example" is not the host of url ("evil.example")',
    );
  });

  it('judges "in the future" after correcting the device clock', () => {
    // The device clock runs 3 days fast: its times look 3 days ahead but are fine.
    const fast = 3 * 86_400_000;
    const shifted = (iso: string): string => new Date(Date.parse(iso) + fast).toISOString();
    const e = event(1, {
      startedAt: shifted('2026-06-15T10:00:00.000Z'),
      endedAt: shifted('2026-06-15T10:01:00.000Z'),
    });
    const { records, rejected } = prepareBatch(
      batch([e], shifted('2026-06-15T12:00:00.000Z')),
      ctx,
    );
    expect(rejected).toEqual([]);
    expect(records[0]?.clockSkewMs).toBe(-fast);
  });
});

describe('prepareBatch and the device clock', () => {
  /** A batch from a device whose clock is off by offsetMs: its sentAt and event times alike. */
  function skewedBatch(offsetMs: number): EventBatch {
    const at = (iso: string): string => new Date(Date.parse(iso) + offsetMs).toISOString();
    const e = event(1, {
      startedAt: at('2026-06-15T10:00:00.000Z'),
      endedAt: at('2026-06-15T10:01:00.000Z'),
    });
    return batch([e], at(RECEIVED.toISOString()));
  }

  function refusal(offsetMs: number): AppError {
    try {
      prepareBatch(skewedBatch(offsetMs), ctx);
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
    throw new Error(`a device clock off by ${offsetMs} ms was not refused`);
  }

  it.each([
    ['730 days behind', -730 * DAY],
    ['80 years ahead', 80 * 365 * DAY],
    ['just past the bound, behind', -7 * DAY - 1],
    ['just past the bound, ahead', 7 * DAY + 1],
  ])('refuses the whole batch with clock_skew when the clock is %s', (_name, offsetMs) => {
    const err = refusal(offsetMs);
    expect(err.code).toBe('clock_skew');
    expect(err.message).toMatch(offsetMs < 0 ? /behind/ : /ahead of/);
    expect(err.message).toMatch(/7 days/);
    expect(err.details).toEqual({ clockSkewMs: -offsetMs, maxClockSkewMs: 7 * DAY });
  });

  it.each([
    ['7 days behind', -7 * DAY],
    ['7 days ahead', 7 * DAY],
  ])('corrects a clock %s (the bound itself)', (_name, offsetMs) => {
    const { records, rejected } = prepareBatch(skewedBatch(offsetMs), ctx);
    expect(rejected).toEqual([]);
    expect(records[0]?.clockSkewMs).toBe(-offsetMs);
  });
});

describe('prepareBatch and times PostgreSQL and JavaScript cannot both read', () => {
  const lenient: IngestContext = { ...ctx, maxClockSkewMs: 10_000 * 365 * DAY };

  it('refuses year 0000 per event even when the device clock is as far off', () => {
    const e = event(1, {
      startedAt: '0000-01-01T00:00:00.000Z',
      endedAt: '0000-01-01T00:00:10.000Z',
      activeMs: 0,
    });
    const { records, rejected } = prepareBatch(
      batch([e, event(2)], '0000-01-01T00:01:00.000Z'),
      lenient,
    );
    expect(records).toEqual([]);
    expect(rejected.map((r) => [r.index, r.code])).toEqual([
      [0, 'invalid_event'],
      [1, 'in_future'],
    ]);
    expect(rejected[0]?.message).toMatch(/^startedAt: .*1970-01-01T00:00:00\.000Z/);
  });

  it.each([
    ['before 1970', { startedAt: '1969-12-31T23:59:59.999Z' }, 'startedAt'],
    ['past year 9999 in UTC', { endedAt: '9999-12-31T23:59:59.999-00:01' }, 'endedAt'],
    ['an offset of +16:00', { startedAt: '2026-06-16T02:00:00.000+16:00' }, 'startedAt'],
    ['an offset of -23:59', { endedAt: '2026-06-14T10:02:00.000-23:59' }, 'endedAt'],
    // Node's Date reads .0280000001 as .280: JavaScript and PostgreSQL would disagree.
    ['of ten fraction digits', { startedAt: '2026-06-15T10:00:00.0280000001Z' }, 'startedAt'],
  ])('refuses a time %s as invalid_event naming the field', (_name, times, field) => {
    const { rejected } = prepareBatch(batch([event(1, { activeMs: 0, ...times })]), ctx);
    expect(rejected.map((r) => r.code)).toEqual(['invalid_event']);
    expect(rejected[0]?.message.startsWith(`${field}: `)).toBe(true);
  });

  it.each([
    ['+15:59', '2026-06-16T01:59:00.000+15:59'],
    ['-15:59', '2026-06-14T18:01:00.000-15:59'],
  ])('takes an offset of %s (PostgreSQL reads up to 15:59)', (_name, startedAt) => {
    const { records, rejected } = prepareBatch(batch([event(1, { startedAt, activeMs: 0 })]), ctx);
    expect(rejected).toEqual([]);
    expect(records).toHaveLength(1);
  });

  it('keeps the corrected times of what it accepts within the same range', () => {
    const e = event(1, {
      startedAt: '1970-01-01T00:00:00.000Z',
      endedAt: '1970-01-01T00:01:00.000Z',
      activeMs: 0,
    });
    const { records } = prepareBatch(batch([e], '1970-01-01T02:00:00.000Z'), lenient);
    expect(records).toHaveLength(1);
    const corrected = Date.parse(e.startedAt as string) + (records[0]?.clockSkewMs ?? 0);
    expect(new Date(corrected).toISOString()).toBe('2026-06-15T10:00:00.000Z');
  });
});
