import { describe, expect, it } from 'vitest';
import { addDays, makeDayOf } from './day.js';

describe('makeDayOf', () => {
  const at = Date.UTC(2025, 2, 10, 23, 30); // 23:30 UTC

  it('gives the local calendar date east of UTC, past local midnight', () => {
    expect(makeDayOf(() => -120)(at)).toBe('2025-03-11');
  });

  it('gives the local calendar date west of UTC', () => {
    expect(makeDayOf(() => 300)(Date.UTC(2025, 2, 11, 3, 0))).toBe('2025-03-10');
  });

  it('applies the offset in force at each instant (DST change)', () => {
    const dst = makeDayOf((ms) => (ms < Date.UTC(2025, 2, 30, 1) ? -60 : -120));
    expect(dst(Date.UTC(2025, 2, 29, 22, 30))).toBe('2025-03-29');
    expect(dst(Date.UTC(2025, 2, 30, 22, 30))).toBe('2025-03-31');
  });
});

describe('addDays', () => {
  it('crosses month, year and leap-day boundaries', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2025-01-01', -365)).toBe('2024-01-02');
  });

  it('refuses something that is not a day', () => {
    expect(() => addDays('yesterday', 1)).toThrow(RangeError);
  });
});
