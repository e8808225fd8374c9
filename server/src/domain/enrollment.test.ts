import { describe, expect, it } from 'vitest';
import { assertStudyOpen, hashCode, newEnrollmentCode, normalizeCode } from './enrollment.js';
import { AppError } from './errors.js';

describe('enrolment codes', () => {
  it('are four groups of four base32 characters, different each time', () => {
    const codes = Array.from({ length: 200 }, () => newEnrollmentCode());
    for (const code of codes)
      expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){3}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(new Set(codes).size).toBe(codes.length);
    // Every character of the alphabet turns up (the 5-bit groups are all used).
    expect(new Set(codes.join('').replaceAll('-', '')).size).toBe(32);
  });

  it('are read however typed: case, spaces, dashes, O for 0, I and L for 1', () => {
    expect(normalizeCode(' 7k3m q9tx-2hcw r5zb ')).toBe('7K3MQ9TX2HCWR5ZB');
    expect(normalizeCode('OIL0-1111-0000-AAAA')).toBe('011011110000AAAA');
    expect(hashCode(normalizeCode('abcd-efgh-jkmn-pqrs') as string)).toEqual(
      hashCode('ABCDEFGHJKMNPQRS'),
    );
  });

  it('refuse what cannot be a code', () => {
    for (const text of ['', 'ABCD-EFGH-JKMN-PQR', 'ABCD-EFGH-JKMN-PQRSU', 'ABCD-EFGH-JKMN-PQRU']) {
      expect(normalizeCode(text), text).toBeNull();
    }
  });
});

describe('assertStudyOpen', () => {
  const end = new Date('2027-01-01T00:00:00Z');
  const device = { deviceId: 'd', cohort: 'pilot', studyEndsAt: end };

  it('lets events through before the end and without one', () => {
    expect(() => assertStudyOpen(device, new Date(end.getTime() - 1))).not.toThrow();
    expect(() => assertStudyOpen({ ...device, studyEndsAt: null }, new Date(9e15))).not.toThrow();
  });

  it('refuses from the end on, naming the cohort and the date', () => {
    let error: unknown;
    try {
      assertStudyOpen(device, end);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('study_ended');
    expect((error as AppError).message).toContain('"pilot"');
    expect((error as AppError).message).toContain('2027-01-01T00:00:00.000Z');
  });
});
