import { describe, expect, it } from 'vitest';
import { replayRanges } from './dead-letter.js';

const offsets = [
  { partition: 1, low: '0', high: '4' },
  { partition: 0, low: '2', high: '10' },
];

describe('replayRanges', () => {
  it('takes every partition from the oldest kept letter when nothing was replayed', () => {
    const { wanted, pending } = replayRanges([], offsets, Number.MAX_SAFE_INTEGER);
    expect(pending).toBe(12);
    expect([...wanted]).toEqual([
      [0, { next: 2n, end: 10n }],
      [1, { next: 0n, end: 4n }],
    ]);
  });

  it('starts after what the replay group committed, and stops at the limit', () => {
    const committed = [
      { partition: 0, offset: '7' },
      { partition: 1, offset: '-1' },
    ];
    const { wanted, pending } = replayRanges(committed, offsets, 5);
    expect(pending).toBe(7);
    expect([...wanted]).toEqual([
      [0, { next: 7n, end: 10n }],
      [1, { next: 0n, end: 2n }],
    ]);
  });

  it('wants nothing once everything is replayed', () => {
    const committed = [
      { partition: 0, offset: '10' },
      { partition: 1, offset: '4' },
    ];
    const { wanted, pending } = replayRanges(committed, offsets, 100);
    expect(pending).toBe(0);
    expect(wanted.size).toBe(0);
  });

  it('skips letters the topic no longer keeps', () => {
    const { wanted } = replayRanges([{ partition: 0, offset: '1' }], offsets.slice(1), 100);
    expect(wanted.get(0)).toEqual({ next: 2n, end: 10n });
  });
});
