import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, sinceRange } from './summary-cursor.js';

const cursorOf = (snapshot: string) =>
  encodeCursor({ from: '2026-12-01', to: '2026-12-06', tz: 'UTC', devices: 'x', snapshot });

describe('decodeCursor', () => {
  it.each(['752:755:', '752:755:752', '752:755:752,753', '752:760:753,754,759', '1:1:'])(
    'takes the snapshot %s PostgreSQL writes',
    (snapshot) => {
      expect(decodeCursor(cursorOf(snapshot)).snapshot).toBe(snapshot);
    },
  );

  // Each passes the shape's pattern and PostgreSQL's pg_snapshot input refuses it.
  it.each([
    '0:0:',
    '0:5:',
    '10:9:',
    '10:20:5',
    '10:20:20',
    '10:20:15,12',
    '1:99999999999999999999:',
  ])('refuses the forged snapshot %s with 400 naming since', (snapshot) => {
    expect(() => decodeCursor(cursorOf(snapshot))).toThrow(/^since: /);
  });
});

describe('sinceRange', () => {
  const cursor = decodeCursor(cursorOf('752:755:'));
  const asked = { from: '2026-12-02', to: '2026-12-08', tz: 'UTC' };

  it("reads the days of the cursor's range within the one asked for", () => {
    expect(sinceRange(cursor, asked, 'x')).toEqual({
      snapshot: '752:755:',
      from: '2026-12-02',
      to: '2026-12-06',
    });
    expect(sinceRange(cursor, { ...asked, from: '2026-11-01' }, 'x')?.from).toBe('2026-12-01');
  });

  it('reads the whole range for another zone or devices, or no day in common', () => {
    expect(sinceRange(cursor, { ...asked, tz: 'Europe/Berlin' }, 'x')).toBeNull();
    expect(sinceRange(cursor, asked, 'y')).toBeNull();
    expect(sinceRange(cursor, { ...asked, from: '2026-12-07' }, 'x')).toBeNull();
    expect(sinceRange(null, asked, 'x')).toBeNull();
  });
});
