import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { VisitRecord } from '../data-access/visit-record.js';
import {
  groupForProduce,
  type ProduceMessage,
  recordBytes,
  visitProduceRequests,
} from './produce-requests.js';

/**
 * kafkajs's own record batch encoder (what one send() writes for one partition), to measure
 * the sends as the broker will: a record batch over message.max.bytes is refused.
 */
const require = createRequire(import.meta.url);
type Encoded = { size(): number };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: object) => Encoded;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (b: object) => Promise<Encoded>;
};

async function batchBytes(messages: ProduceMessage[]): Promise<number> {
  const records = messages.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: 0 }));
  return (await RecordBatch({ records, lastOffsetDelta: records.length - 1 })).size();
}

function record(i: number, size: 'small' | 'large' = 'small'): VisitRecord {
  const large = size === 'large';
  return {
    v: 1,
    id: `0190a6f2-2222-7000-8000-${String(i).padStart(12, '0')}`,
    deviceId: '0190a6f2-1111-7000-8000-0000000000aa',
    batchId: '0190a6f2-4444-7000-8000-000000000001',
    sessionId: '0190a6f2-3333-7000-8000-000000000001',
    // The longest URL and title the contract takes; the title's characters are 3 bytes each.
    url: large ? `https://example.com/${'p'.repeat(2048 - 20)}` : 'https://example.com/',
    domain: 'example.com',
    title: large ? '\u2603'.repeat(512) : 'Example',
    startedAt: '2026-06-15T10:00:00.000Z',
    endedAt: '2026-06-15T10:01:00.000Z',
    activeMs: 1000,
    transition: 'link',
    receivedAt: '2026-06-15T12:00:00.000Z',
    clockSkewMs: 0,
    client: {
      browserName: 'Chrome',
      browserVersion: '140',
      osName: 'Linux',
      osVersion: null,
      deviceType: null,
    },
  };
}

const idsOf = (sends: ProduceMessage[][]): string[] =>
  sends
    .flatMap((messages) =>
      messages.flatMap(
        (m) => (JSON.parse(m.value.toString()) as { visits: { id: string }[] }).visits,
      ),
    )
    .map((v) => v.id);

describe('visitProduceRequests', () => {
  it('sends a usual request as one message in one send', () => {
    const records = Array.from({ length: 500 }, (_, i) => record(i));
    const sends = visitProduceRequests(records, 900_000);
    expect(sends.map((s) => s.length)).toEqual([1]);
    expect(idsOf(sends)).toEqual(records.map((r) => r.id));
  });

  it.each([900_000, 300_000, 65_536])(
    'cuts a request of 500 of the largest visits (~2.6 MB) into sends within %i bytes, each visit once, in order',
    async (maxBytes) => {
      const records = Array.from({ length: 500 }, (_, i) => record(i, 'large'));
      const sends = visitProduceRequests(records, maxBytes);
      expect(sends.length).toBeGreaterThan(1);
      for (const messages of sends) {
        expect(await batchBytes(messages)).toBeLessThanOrEqual(maxBytes);
        for (const m of messages) expect(m.key).toBe(records[0]?.deviceId);
      }
      expect(idsOf(sends)).toEqual(records.map((r) => r.id));
    },
  );

  it('keeps each run of records of one request and device in messages of its own', () => {
    const other = (i: number): VisitRecord => ({
      ...record(i, 'large'),
      deviceId: '0190a6f2-1111-7000-8000-0000000000bb',
    });
    const records = [
      ...Array.from({ length: 100 }, (_, i) => record(i, 'large')),
      ...Array.from({ length: 100 }, (_, i) => other(100 + i)),
    ];
    const sends = visitProduceRequests(records, 100_000);
    const keys = sends.flat().map((m) => m.key);
    expect(keys.indexOf(other(0).deviceId)).toBe(keys.lastIndexOf(record(0).deviceId) + 1);
    expect(idsOf(sends)).toEqual(records.map((r) => r.id));
  });
});

describe('groupForProduce', () => {
  it('groups messages with headers into record batches within the limit; one too large goes alone', async () => {
    const letter = (n: number): ProduceMessage => ({
      key: 'k',
      value: 'v'.repeat(n),
      headers: { reason: 'r'.repeat(1000), 'source-topic': 'visits.v1', 'source-offset': '12' },
    });
    const messages = [10_000, 30_000, 5, 50_000, 120_000, 7_000, 7_000, 7_000].map(letter);
    const groups = groupForProduce(messages, 65_536);
    expect(groups.flat()).toEqual(messages);
    for (const g of groups) {
      const bytes = await batchBytes(g);
      if (g.length > 1) expect(bytes).toBeLessThanOrEqual(65_536);
      // The estimate never counts less than kafkajs writes.
      expect(61 + g.reduce((n, m) => n + recordBytes(m), 0)).toBeGreaterThanOrEqual(bytes);
    }
    expect(groups.find((g) => g.includes(messages[4] as ProduceMessage))).toHaveLength(1);
    expect(groupForProduce([], 65_536)).toEqual([]);
  });
});
