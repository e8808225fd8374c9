/**
 * shiftedTime computes the corrected times the writer COPYs. Its fast path
 * (digits and lookup tables, no Date) must give exactly what Date arithmetic
 * gives, and hand anything it is not sure of to Date.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shiftedByDate, shiftedTime } from './shifted-time.js';

/**
 * The reference: Date arithmetic on the millisecond form; a time Date cannot
 * read throws. With no skew the time is kept as given (PostgreSQL reads it).
 */
function byDate(iso: string, ms: number): string {
  if (ms === 0) return iso;
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) throw new Error('unreadable');
  return new Date(t + ms).toISOString();
}

const DAY = 86_400_000;
const skewArb = fc.oneof(
  fc.integer({ min: -2 * DAY, max: 2 * DAY }),
  fc.integer({ min: -2_000, max: 2_000 }),
);
/** Instants from 1970 to 9999, half of them within two seconds of a midnight. */
const instantArb = fc.oneof(
  fc.integer({ min: 0, max: 253_402_300_799_999 }),
  fc
    .tuple(fc.integer({ min: 0, max: 2_932_896 }), fc.integer({ min: -2_000, max: 2_000 }))
    .map(([day, off]) => Math.max(0, day * DAY + off)),
);
const isoArb = instantArb.map((t) => new Date(t).toISOString());

describe('shiftedTime', () => {
  it('equals Date arithmetic for every millisecond time and skew', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(isoArb, skewArb), { minLength: 1, maxLength: 8 }), (cases) => {
        for (const [iso, ms] of cases) expect(shiftedTime(iso, ms)).toBe(byDate(iso, ms));
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives malformed times to Date: the same answer, or the same refusal', () => {
    // Any 24-character string the fast path might mistake for its form.
    const mutatedArb = fc
      .tuple(
        isoArb,
        fc.integer({ min: 0, max: 23 }),
        fc.constantFrom(...'0123456789:-T.Z x+'.split('')),
      )
      .map(([iso, at, ch]) => `${iso.slice(0, at)}${ch}${iso.slice(at + 1)}`);
    const fixed = [
      '2023-02-29T10:00:00.000Z', // not a day; Date rolls it to 1 March
      '2024-02-30T10:00:00.000Z',
      '2024-04-31T10:00:00.000Z',
      '2024-01-01T24:00:00.000Z',
      '2024-01-01T23:60:00.000Z',
      '2024-01-01T23:59:60.000Z',
    ];
    fc.assert(
      fc.property(fc.oneof(mutatedArb, fc.constantFrom(...fixed)), skewArb, (iso, ms) => {
        fc.pre(ms !== 0);
        let expected: string | Error;
        try {
          expected = shiftedByDate(iso, ms);
        } catch (err) {
          expected = err as Error;
        }
        if (expected instanceof Error)
          expect(() => shiftedTime(iso, ms)).toThrow(/unreadable time/);
        else expect(shiftedTime(iso, ms)).toBe(expected);
      }),
      { numRuns: 3_000 },
    );
  });

  it('keeps the digits past the millisecond', () => {
    expect(shiftedTime('2024-05-01T23:59:59.999250Z', 1)).toBe('2024-05-02T00:00:00.000250Z');
    expect(shiftedTime('2024-05-01T10:00:00.000001Z', -1)).toBe('2024-05-01T09:59:59.999001Z');
    expect(shiftedTime('2024-05-01T10:00:00.5+02:00', 0)).toBe('2024-05-01T10:00:00.5+02:00');
  });
});
