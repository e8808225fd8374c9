import { describe, expect, it } from 'vitest';
import { type IngestContext, prepareBatch } from './ingest.js';

const ctx = {
  deviceId: '0190a6f2-1111-7000-8000-0000000000aa',
  receivedAt: new Date('2026-06-15T12:00:00.000Z'),
  retentionDays: 30,
  maxClockSkewMs: 7 * 86_400_000,
  userAgent: {
    browserName: 'Firefox',
    browserVersion: '128.0',
    engineName: 'Gecko',
    osName: 'Linux',
    osVersion: null,
    deviceType: 'desktop',
  },
} as IngestContext;

function visit(i: number, url: string | null): Record<string, unknown> {
  return {
    id: `0190a6f2-2222-7000-8000-${String(i).padStart(12, '0')}`,
    type: 'visit',
    url,
    domain: 'mail.example.com',
    title: 'Re: your results - Mail',
    startedAt: '2026-06-15T10:00:00.000Z',
    endedAt: '2026-06-15T10:01:00.000Z',
    activeMs: 45_000,
    sessionId: '0190a6f2-3333-7000-8000-000000000001',
    transition: 'typed',
  };
}

describe('titles on the server', () => {
  it('drops the title of a visit sent without an address (the site-name-only level keeps none)', () => {
    const { records } = prepareBatch(
      {
        batchId: '0190a6f2-4444-7000-8000-000000000001',
        sentAt: '2026-06-15T11:59:00.000Z',
        events: [visit(1, 'https://mail.example.com/inbox'), visit(2, null)],
      },
      ctx,
    );
    expect(records.map((r) => r.title)).toEqual(['Re: your results - Mail', null]);
  });
});
