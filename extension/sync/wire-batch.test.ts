import { describe, expect, it } from 'vitest';
import { VisitEventSchema } from '#protocol';
import { makeVisit } from '../db/db-test-kit.js';
import type { StoredVisit } from '../db/index.js';
import { encodeBatchBody, packEvents, toWireEvent } from './wire-batch.js';

function stored(overrides: Parameters<typeof makeVisit>[0] = {}): StoredVisit {
  const v = makeVisit(overrides);
  return {
    ...v,
    startedMs: Date.parse(v.startedAt),
    syncState: 'pending',
    sentAt: 1,
    rejectCode: 'x',
  };
}

describe('wire batch', () => {
  it('sends only the wire fields, which the strict server schema accepts', () => {
    const wire = toWireEvent(stored());
    expect(Object.keys(wire).sort()).toEqual([
      'activeMs',
      'domain',
      'endedAt',
      'id',
      'sessionId',
      'startedAt',
      'title',
      'transition',
      'type',
      'url',
    ]);
    expect(VisitEventSchema.safeParse(wire).success).toBe(true);
  });

  it('encodes exactly what JSON.stringify of the envelope gives', () => {
    const visits = [stored(), stored({ title: 'Ünïcode "quoted"\n' })];
    const { parts } = packEvents(visits);
    const body = encodeBatchBody(
      '0190a6f2-0000-7000-8000-00000000000b',
      '2025-01-01T00:00:00.000Z',
      parts,
    );
    expect(body).toBe(
      JSON.stringify({
        batchId: '0190a6f2-0000-7000-8000-00000000000b',
        sentAt: '2025-01-01T00:00:00.000Z',
        events: visits.map(toWireEvent),
      }),
    );
  });

  it('takes at most maxEvents', () => {
    const visits = Array.from({ length: 7 }, () => stored());
    expect(packEvents(visits, { maxEvents: 5, maxBodyBytes: 1 << 20 }).visits).toEqual(
      visits.slice(0, 5),
    );
  });

  it('stops before the body would pass maxBodyBytes, counting UTF-8 bytes', () => {
    const visits = Array.from({ length: 50 }, () => stored({ title: 'é'.repeat(500) }));
    const maxBodyBytes = 20_000;
    const { parts } = packEvents(visits, { maxEvents: 500, maxBodyBytes });
    const bytes = new TextEncoder().encode(
      encodeBatchBody(crypto.randomUUID(), new Date().toISOString(), parts),
    ).length;
    expect(bytes).toBeLessThanOrEqual(maxBodyBytes);
    expect(parts.length).toBeGreaterThan(10);
    expect(parts.length).toBeLessThan(50);
  });

  it('still takes one event that is too large by itself, for the server to refuse', () => {
    const big = stored({ title: 'x'.repeat(5_000) });
    expect(packEvents([big, stored()], { maxEvents: 500, maxBodyBytes: 1_000 }).visits).toEqual([
      big,
    ]);
  });
});
