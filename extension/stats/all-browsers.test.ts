/** All my browsers: which of this browser's visits the summary lacks, and the combined day. */
import { describe, expect, it } from 'vitest';
import type { StoredVisit } from '../db/index.js';
import { allBrowsersReply } from '../sync/sync-test-kit.js';
import { allBrowsersDay, missingFromSummary, summaryMark } from './all-browsers.js';

const ME = '0190a6f2-0000-7000-8000-00000000000a';
const OTHER = '0190a6f2-0000-7000-8000-00000000000b';
const T0 = Date.UTC(2026, 11, 5, 12);
const DAY = '2026-12-05';

const visit = (syncState: StoredVisit['syncState'], sentAt?: number) =>
  ({ syncState, ...(sentAt === undefined ? {} : { sentAt }) }) as StoredVisit;

describe('missingFromSummary', () => {
  it('counts pending, local and rejected visits, and sent ones acknowledged after the summary', () => {
    expect(missingFromSummary(visit('pending'), T0)).toBe(true);
    expect(missingFromSummary(visit('local'), T0)).toBe(true);
    expect(missingFromSummary(visit('rejected'), T0)).toBe(true);
    expect(missingFromSummary(visit('sent', T0 - 1), T0)).toBe(false);
    expect(missingFromSummary(visit('sent', T0 + 1), T0)).toBe(true);
  });
});

describe('missingFromSummary with watermarks (Kafka mode: written after the acknowledgement)', () => {
  const acked = (ackedAt: number, ackBatches: string[], sentAt = T0 - 60_000) =>
    ({ syncState: 'sent', sentAt, ackedAt, ackBatches }) as StoredVisit;
  const X = '0190a6f2-0000-7000-8000-0000000000c1';
  const Z = '0190a6f2-0000-7000-8000-0000000000c2';
  const mark = { fetchedAt: T0, appliedThrough: T0 - 10_000, lastBatchId: X };

  it('adds an acknowledged visit the writer has not reached, acknowledged before the summary too', () => {
    expect(missingFromSummary(acked(T0 - 5_000, [Z]), mark)).toBe(true);
    expect(missingFromSummary(acked(T0 - 10_000, [Z]), mark)).toBe(false);
    expect(missingFromSummary(acked(T0 - 20_000, [Z]), mark)).toBe(false);
    // No batch of this browser written yet.
    expect(missingFromSummary(acked(T0 - 20_000, [Z]), { ...mark, appliedThrough: null })).toBe(
      true,
    );
  });

  it('does not add a resent visit whose earlier, unanswered batch is the one at the watermark', () => {
    expect(missingFromSummary(acked(T0 - 5_000, [Z, X]), mark)).toBe(false);
    expect(missingFromSummary(acked(T0 - 5_000, [X]), mark)).toBe(false);
  });

  it('still adds what is not sent, and falls back to the time it was received without marks', () => {
    expect(missingFromSummary(visit('pending'), mark)).toBe(true);
    expect(missingFromSummary(visit('local'), mark)).toBe(true);
    // Acknowledged by a server that did not say when it received it.
    expect(missingFromSummary(visit('sent', T0 - 1), mark)).toBe(false);
    expect(missingFromSummary(visit('sent', T0 + 1), mark)).toBe(true);
    // A summary of a server without watermarks.
    expect(missingFromSummary(acked(T0 - 5_000, [Z]), { fetchedAt: T0 })).toBe(false);
    expect(missingFromSummary(acked(T0 - 5_000, [Z], T0 + 1), { fetchedAt: T0 })).toBe(true);
  });

  it("reads this browser's watermark and the last batch from the summary", () => {
    const { cached } = allBrowsersReply(ME, OTHER, DAY, T0, []);
    if (cached === null) throw new Error('no summary');
    const summary = {
      ...cached.summary,
      appliedThrough: {
        [ME]: new Date(T0 - 10_000).toISOString(),
        [OTHER]: new Date(T0).toISOString(),
      },
      lastBatchId: X,
    };
    expect(summaryMark({ summary, fetchedAt: T0 }, ME)).toEqual(mark);
    expect(
      summaryMark(
        { summary: { ...summary, appliedThrough: {}, lastBatchId: null }, fetchedAt: T0 },
        ME,
      ),
    ).toEqual({
      fetchedAt: T0,
      appliedThrough: null,
      lastBatchId: null,
    });
    expect(summaryMark(cached, ME)).toEqual({ fetchedAt: T0 });
  });
});

describe('missingFromSummary by batch numbers (API replicas whose clocks differ)', () => {
  const X = '0190a6f2-0000-7000-8000-0000000000c1';
  const Z = '0190a6f2-0000-7000-8000-0000000000c2';
  const acked = (ackSeq: number | undefined, ackedAt: number, ackBatches: string[]) =>
    ({
      syncState: 'sent',
      sentAt: T0 - 60_000,
      ackedAt,
      ackBatches,
      ...(ackSeq === undefined ? {} : { ackSeq }),
    }) as StoredVisit;
  // The watermark's batch was received by a replica whose clock runs ahead.
  const mark = { fetchedAt: T0, appliedThrough: T0, lastBatchId: X, appliedSeq: 7 };

  it('orders by the number, not by the replicas’ receivedAt', () => {
    // Batch 8 came later, through a replica whose clock is behind: not in the figures yet.
    expect(missingFromSummary(acked(8, T0 - 30_000, [Z]), mark)).toBe(true);
    expect(missingFromSummary(acked(7, T0, [X]), mark)).toBe(false);
    expect(missingFromSummary(acked(6, T0 + 30_000, [Z]), mark)).toBe(false);
    // Its earlier, unanswered send is the batch at the watermark: in the figures.
    expect(missingFromSummary(acked(9, T0 + 1, [Z, X]), mark)).toBe(false);
  });

  it('goes by receivedAt while no numbered batch is applied (a writer from before the numbers)', () => {
    const unnumbered = { ...mark, appliedSeq: null };
    // An older writer applied the batch (its watermark moved, no number kept): not twice.
    expect(missingFromSummary(acked(8, T0, [Z]), unnumbered)).toBe(false);
    expect(missingFromSummary(acked(8, T0 + 1, [Z]), unnumbered)).toBe(true);
    expect(missingFromSummary(acked(8, T0, [Z]), { ...unnumbered, appliedThrough: null })).toBe(
      true,
    );
  });

  it('falls back to receivedAt for a visit acknowledged without a number', () => {
    expect(missingFromSummary(acked(undefined, T0 - 1, [Z]), mark)).toBe(false);
    expect(missingFromSummary(acked(undefined, T0 + 1, [Z]), mark)).toBe(true);
  });

  it('reads appliedSeq, and treats figures of this browser without a watermark as unmarked', () => {
    const { cached } = allBrowsersReply(ME, OTHER, DAY, T0, []);
    if (cached === null) throw new Error('no summary');
    const summary = {
      ...cached.summary,
      appliedThrough: { [ME]: new Date(T0).toISOString() },
      lastBatchId: X,
      appliedSeq: 7,
    };
    expect(summaryMark({ summary, fetchedAt: T0 }, ME)).toEqual(mark);
    // A writer of an older version (a rolling deploy) wrote this browser's visits and no
    // watermark: the rows hold what was acknowledged before the summary, as without marks.
    const row = { date: DAY, domain: 'a.test', deviceId: ME, activeMs: 1, visits: 1 };
    const unmarked = { ...summary, appliedThrough: {}, lastBatchId: null, appliedSeq: null };
    expect(summaryMark({ summary: { ...unmarked, rows: [row] }, fetchedAt: T0 }, ME)).toEqual({
      fetchedAt: T0,
    });
    expect(summaryMark({ summary: { ...unmarked, rows: [] }, fetchedAt: T0 }, ME)).toEqual({
      fetchedAt: T0,
      appliedThrough: null,
      lastBatchId: null,
      appliedSeq: null,
    });
  });
});

describe('allBrowsersDay', () => {
  const reply = allBrowsersReply(ME, OTHER, DAY, T0, [
    { date: DAY, domain: 'a.test', deviceId: ME, activeMs: 1000, visits: 1 },
    { date: DAY, domain: 'a.test', deviceId: OTHER, activeMs: 5000, visits: 2 },
    { date: '2026-12-04', domain: 'old.test', deviceId: OTHER, activeMs: 9000, visits: 1 },
  ]);

  it('adds this browser’s unacknowledged rows and open visits to its own share', () => {
    const unacked = [{ day: DAY, domain: 'b.test', activeMs: 2000, visits: 1 }];
    const open = [{ domain: 'b.test', startedAt: T0, activeMs: 500 }];
    const day = allBrowsersDay(reply, DAY, unacked, open);
    expect(day?.rows.map((r) => [r.domain, r.activeMs])).toEqual([
      ['a.test', 1000],
      ['a.test', 5000],
      ['b.test', 2000],
    ]);
    expect(day?.byBrowser.map((b) => [b.device.id, b.activeMs])).toEqual([
      [ME, 3500],
      [OTHER, 5000],
    ]);
    expect(day?.asOf).toBe(T0);
  });

  it('is null without a cached summary', () => {
    expect(allBrowsersDay({ ...reply, cached: null }, DAY, [], [])).toBeNull();
  });
});
