import { describe, expect, it } from 'vitest';
import type { VisitRecord } from '../../data-access/visit-record.js';
import { decodeVisitMessage, encodeVisitMessages } from '../../messaging/visit-message.js';
import {
  type BatchProcessorDeps,
  type IncomingMessage,
  type PoisonMessage,
  processBatch,
} from './batch-processor.js';

function record(i: number): VisitRecord {
  return {
    v: 1,
    id: `0190a6f2-2222-7000-8000-${String(i).padStart(12, '0')}`,
    deviceId: '0190a6f2-1111-7000-8000-0000000000aa',
    batchId: '0190a6f2-4444-7000-8000-000000000001',
    sessionId: '0190a6f2-3333-7000-8000-000000000001',
    url: null,
    domain: 'example.com',
    title: null,
    startedAt: '2026-06-15T10:00:00.000Z',
    endedAt: '2026-06-15T10:01:00.000Z',
    activeMs: 1000,
    transition: null,
    receivedAt: '2026-06-15T12:00:00.000Z',
    clockSkewMs: 0,
    client: {
      browserName: null,
      browserVersion: null,
      osName: null,
      osVersion: null,
      deviceType: null,
    },
  };
}

function message(value: string | null, offset: number): IncomingMessage {
  return { key: 'k', value, offset: String(offset) };
}

class Unavailable extends Error {}

function deps(overrides: Partial<BatchProcessorDeps> = {}): BatchProcessorDeps & {
  written: VisitRecord[][];
  dead: string[];
  sleeps: number[];
} {
  const written: VisitRecord[][] = [];
  const dead: string[] = [];
  const sleeps: number[] = [];
  return {
    written,
    dead,
    sleeps,
    write: async (records) => {
      written.push(records);
      return { inserted: records.length, dropped: 0 };
    },
    deadLetter: async (poison) => {
      dead.push(
        ...poison.map(
          (p) => `${p.message.offset}${p.index === undefined ? '' : `#${p.index}`}:${p.reason}`,
        ),
      );
    },
    isUnavailable: (err) => err instanceof Unavailable,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    heartbeat: async () => undefined,
    stillOwned: () => true,
    ...overrides,
  };
}

describe('processBatch', () => {
  it('writes all valid records in one write and dead-letters poison with the reason', async () => {
    const d = deps();
    const out = await processBatch(
      [
        message(JSON.stringify(record(1)), 10),
        message('{oops', 11),
        message(null, 12),
        message(JSON.stringify({ ...record(2), activeMs: 'x' }), 13),
        message(JSON.stringify(record(3)), 14),
      ],
      d,
    );
    expect(out).toEqual({ done: true, records: 5, inserted: 2, dropped: 0, deadLettered: 3 });
    expect(d.written).toHaveLength(1);
    expect(d.written[0]?.map((r) => r.id.slice(-1))).toEqual(['1', '3']);
    expect(d.dead).toEqual([
      expect.stringMatching(/^11:value is not JSON/),
      '12:empty message value',
      expect.stringMatching(/^13:value is not a visit record: activeMs/),
    ]);
  });

  it('waits with growing backoff while PostgreSQL is unavailable, then writes', async () => {
    let failures = 4;
    const d = deps({
      write: async (records) => {
        if (failures-- > 0) throw new Unavailable('down');
        return { inserted: records.length, dropped: 0 };
      },
    });
    const out = await processBatch([message(JSON.stringify(record(1)), 1)], d);
    expect(out.done).toBe(true);
    expect(out.inserted).toBe(1);
    expect(d.sleeps).toEqual([200, 400, 800, 1600]);
  });

  it('gives the batch up uncommitted when it stops owning it while waiting', async () => {
    let owned = true;
    const d = deps({
      write: async () => {
        owned = false;
        throw new Unavailable('down');
      },
      stillOwned: () => owned,
    });
    const out = await processBatch([message(JSON.stringify(record(1)), 1)], d);
    expect(out.done).toBe(false);
    expect(d.dead).toEqual([]);
  });

  it('isolates a record that PostgreSQL refuses for its data and writes the rest', async () => {
    const bad = record(5).id;
    const d = deps({
      write: async (records) => {
        if (records.some((r) => r.id === bad)) throw new Error('value out of range');
        return { inserted: records.length, dropped: 0 };
      },
    });
    const msgs = [1, 2, 3, 4, 5, 6, 7].map((i) => message(JSON.stringify(record(i)), i));
    const out = await processBatch(msgs, d);
    expect(out.done).toBe(true);
    expect(out.inserted).toBe(6);
    expect(d.dead).toEqual(['5:PostgreSQL refused the record: value out of range']);
  });
});

/** A version 2 message as the producer writes it, with visits[index] replaced when asked. */
function batchMessage(
  records: VisitRecord[],
  offset: number,
  replace?: [number, unknown],
): IncomingMessage {
  const [encoded] = encodeVisitMessages(records);
  const value = JSON.parse(encoded?.value.toString('utf8') ?? '') as { visits: unknown[] };
  if (replace !== undefined) value.visits[replace[0]] = replace[1];
  return message(JSON.stringify(value), offset);
}

/** What a visit looks like inside a version 2 message. */
function visitOf(r: VisitRecord): Record<string, unknown> {
  const { id, sessionId, url, domain, title, startedAt, endedAt, activeMs, transition } = r;
  return { id, sessionId, url, domain, title, startedAt, endedAt, activeMs, transition };
}

describe('processBatch with batch messages (one message per request)', () => {
  it('stores the good records of a batch and dead-letters the bad one alone, with its reason', async () => {
    const d = deps();
    const bad = { ...visitOf(record(2)), domain: '' };
    const out = await processBatch(
      [batchMessage([1, 2, 3].map(record), 20, [1, bad]), batchMessage([record(4)], 21)],
      d,
    );
    expect(out).toEqual({ done: true, records: 4, inserted: 3, dropped: 0, deadLettered: 1 });
    expect(d.written).toHaveLength(1);
    expect(d.written[0]).toEqual([1, 3, 4].map(record));
    expect(d.dead).toEqual([
      expect.stringMatching(/^20#1:value is not a visit record \(visit 1 of the batch\): domain/),
    ]);
  });

  it('dead-letters the bad record as a one-record message that can be replayed', async () => {
    const letters: PoisonMessage[] = [];
    const bad = { ...visitOf(record(2)), activeMs: -5 };
    await processBatch(
      [batchMessage([record(1), record(2)], 7, [1, bad])],
      deps({
        deadLetter: async (p) => {
          letters.push(...p);
        },
      }),
    );
    expect(letters).toHaveLength(1);
    expect(letters[0]?.index).toBe(1);
    expect(letters[0]?.message.offset).toBe('7');
    expect(JSON.parse(letters[0]?.message.value ?? '')).toEqual({ ...record(2), activeMs: -5 });
    // Replayed once fixed, the old one-record shape is accepted again.
    const d = deps();
    const fixed = { ...(JSON.parse(letters[0]?.message.value ?? '') as VisitRecord), activeMs: 5 };
    const out = await processBatch([message(JSON.stringify(fixed), 8)], d);
    expect(out.inserted).toBe(1);
  });

  it('accepts old one-record messages and batch messages side by side, in order', async () => {
    const d = deps();
    const out = await processBatch(
      [
        message(JSON.stringify(record(1)), 1),
        batchMessage([record(2), record(3)], 2),
        message(JSON.stringify(record(4)), 3),
      ],
      d,
    );
    expect(out).toEqual({ done: true, records: 4, inserted: 4, dropped: 0, deadLettered: 0 });
    expect(d.written[0]).toEqual([1, 2, 3, 4].map(record));
  });

  it('dead-letters a malformed batch message whole', async () => {
    const d = deps();
    const envelope = JSON.parse(batchMessage([record(1)], 0).value ?? '') as Record<
      string,
      unknown
    >;
    const out = await processBatch(
      [
        message(JSON.stringify(envelope).slice(0, -2), 1),
        message(JSON.stringify({ ...envelope, visits: [] }), 2),
        message(JSON.stringify({ ...envelope, deviceId: 'x' }), 3),
      ],
      d,
    );
    expect(out).toEqual({ done: true, records: 3, inserted: 0, dropped: 0, deadLettered: 3 });
    expect(d.dead).toEqual([
      expect.stringMatching(/^1:value is not JSON/),
      expect.stringMatching(/^2:value is not a batch of visit records: visits/),
      expect.stringMatching(/^3:value is not a batch of visit records: deviceId/),
    ]);
  });

  it('isolates a record of a batch message that PostgreSQL refuses, and dead-letters it alone', async () => {
    const bad = record(3).id;
    const letters: PoisonMessage[] = [];
    const out = await processBatch(
      [batchMessage([1, 2, 3, 4].map(record), 9)],
      deps({
        write: async (records) => {
          if (records.some((r) => r.id === bad)) throw new Error('value out of range');
          return { inserted: records.length, dropped: 0 };
        },
        deadLetter: async (p) => {
          letters.push(...p);
        },
      }),
    );
    expect(out).toMatchObject({ done: true, inserted: 3, deadLettered: 1 });
    expect(letters.map((l) => [l.index, l.reason])).toEqual([
      [2, 'PostgreSQL refused the record: value out of range'],
    ]);
    expect(JSON.parse(letters[0]?.message.value ?? '')).toEqual(record(3));
  });
});

describe('encodeVisitMessages', () => {
  it('writes one message per request and device, keyed by the device, in order', () => {
    const other = (i: number): VisitRecord => ({
      ...record(i),
      deviceId: '0190a6f2-1111-7000-8000-0000000000bb',
    });
    const out = encodeVisitMessages([record(1), record(2), other(3), record(4)]);
    expect(out.map((m) => m.key)).toEqual([
      record(1).deviceId,
      other(3).deviceId,
      record(4).deviceId,
    ]);
    const decoded: VisitRecord[] = [];
    for (const m of out) {
      decodeVisitMessage(m.value.toString('utf8'), {
        record: (r) => decoded.push(r),
        poison: (p) => {
          throw new Error(p.reason);
        },
      });
    }
    expect(decoded).toEqual([record(1), record(2), other(3), record(4)]);
  });

  it('splits a request whose message would be too large, keeping the order', () => {
    const records = Array.from({ length: 10 }, (_, i) => ({
      ...record(i),
      title: 'x'.repeat(300),
    }));
    const out = encodeVisitMessages(records, 2_000);
    expect(out.length).toBeGreaterThan(1);
    for (const m of out) expect(m.value.length).toBeLessThanOrEqual(2_000);
    const ids = out.flatMap(
      (m) => (JSON.parse(m.value.toString('utf8')) as { visits: { id: string }[] }).visits,
    );
    expect(ids.map((v) => v.id)).toEqual(records.map((r) => r.id));
  });
});
