import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, sinceRange } from './summary-cursor.js';

const key = randomBytes(32);
const fields = { from: '2026-12-01', to: '2026-12-06', tz: 'UTC', devices: 'x' };
const cursorOf = (snapshot: string, withKey = key) =>
  encodeCursor({ ...fields, snapshot }, withKey);

describe('decodeCursor', () => {
  it.each(['752:755:', '752:755:752', '752:755:752,753', '752:760:753,754,759', '1:1:'])(
    'takes the snapshot %s PostgreSQL writes',
    (snapshot) => {
      expect(decodeCursor(cursorOf(snapshot), key).snapshot).toBe(snapshot);
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
    expect(() => decodeCursor(cursorOf(snapshot), key)).toThrow(/^since: /);
  });
});

describe('the sealed cursor', () => {
  it('tells nothing of the snapshot, not even by its length', () => {
    const few = cursorOf('752:755:');
    const many = cursorOf('700000752:700000799:700000752,700000753,700000760,700000761,700000790');
    for (const cursor of [few, many]) {
      const text = Buffer.from(cursor, 'base64url').toString('latin1');
      expect(text).not.toMatch(/752|"s"/);
    }
    expect(many).toHaveLength(few.length);
    // A random IV: the same cursor twice is two texts.
    expect(cursorOf('752:755:')).not.toBe(few);
  });

  it('has one length for any number of writers in progress, at realistic ids and zones', () => {
    const xmin = 3_000_000_000;
    for (const tz of ['UTC', 'Europe/Berlin', 'America/Argentina/ComodRivadavia']) {
      const at = { ...fields, tz, devices: 'A'.repeat(22) };
      const lengths = new Set<number>();
      for (const writers of [0, 1, 10, 13, 14, 20, 30, 200]) {
        const xip = Array.from({ length: writers }, (_, i) => xmin + 2 * i).join(',');
        const snapshot = `${xmin}:${xmin + 1000}:${xip}`;
        const cursor = encodeCursor({ ...at, snapshot }, key);
        lengths.add(cursor.length);
        // The snapshot read while it fits, else the older xmin:xmin: (more days changed, never
        // fewer).
        const opened = decodeCursor(cursor, key).snapshot;
        expect([snapshot, `${xmin}:${xmin}:`]).toContain(opened);
        if (writers <= 10) expect(opened).toBe(snapshot);
        if (writers >= 20) expect(opened).toBe(`${xmin}:${xmin}:`);
      }
      expect([...lengths], tz).toHaveLength(1);
    }
  });

  it('refuses one sealed with another key, or changed by a bit, with 400 naming since', () => {
    expect(() => decodeCursor(cursorOf('752:755:', randomBytes(32)), key)).toThrow(/^since: /);
    const raw = Buffer.from(cursorOf('752:755:'), 'base64url');
    for (const at of [0, 12, 28, raw.length - 1]) {
      const changed = Buffer.from(raw);
      changed[at] = (changed[at] ?? 0) ^ 1;
      expect(() => decodeCursor(changed.toString('base64url'), key)).toThrow(/^since: /);
    }
    // What the cursor was before it was sealed: readable JSON, now refused.
    const plain = Buffer.from(
      JSON.stringify({ f: fields.from, t: fields.to, z: 'UTC', d: 'x', s: '752:755:' }),
    ).toString('base64url');
    expect(() => decodeCursor(plain, key)).toThrow(/^since: /);
  });
});

describe('sinceRange', () => {
  const cursor = decodeCursor(cursorOf('752:755:'), key);
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
