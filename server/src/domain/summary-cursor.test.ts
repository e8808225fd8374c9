import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './summary-cursor.js';

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
