import { describe, expect, it } from 'vitest';
import { type BatchProcessorDeps, type IncomingMessage, processBatch } from './batch-processor.js';
import type { VisitRecord } from './visit-record.js';

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
      dead.push(...poison.map((p) => `${p.message.offset}:${p.reason}`));
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
    expect(out).toEqual({ done: true, inserted: 2, dropped: 0, deadLettered: 3 });
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
