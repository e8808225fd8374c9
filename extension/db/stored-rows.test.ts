import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freshTestDb } from './db-test-kit.js';
import type { DailyRollup, TracksphereDb } from './schema.js';
import { bulkGetStored, SCAN_FROM_KEYS } from './stored-rows.js';

let db: TracksphereDb;

beforeEach(() => {
  db = freshTestDb();
});

afterEach(async () => {
  vi.restoreAllMocks();
  await db.delete();
});

const row = (day: string, domain: string): DailyRollup => ({
  day,
  domain,
  activeMs: day.length * 1_000 + domain.length,
  visits: 1,
});

/** `n` host-days over 2025, in no particular order. */
function keysOf(n: number): [string, string][] {
  return Array.from({ length: n }, (_, i): [string, string] => [
    `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
    `site${(i * 7) % 997}.example`,
  ]);
}

describe('bulkGetStored', () => {
  it('answers as bulkGet does: the rows in the keys order, undefined where none is stored', async () => {
    for (const n of [3, SCAN_FROM_KEYS + 20]) {
      const keys = keysOf(n);
      await db.dailyRollups.clear();
      // Every third key stored, and rows outside the keys' range around them.
      await db.dailyRollups.bulkPut([
        ...keys.filter((_, i) => i % 3 === 0).map(([day, domain]) => row(day, domain)),
        row('2024-12-31', 'before.example'),
        row('2026-01-01', 'after.example'),
      ]);
      const asked = [...keys, keys[0] as [string, string]];
      expect(await bulkGetStored(db.dailyRollups, asked)).toEqual(
        await db.dailyRollups.bulkGet(asked),
      );
    }
  });

  it('reads only the rows stored when many keys are asked for and few exist', async () => {
    const keys = keysOf(SCAN_FROM_KEYS * 2);
    const stored = keys.slice(0, 10).map(([day, domain]) => row(day, domain));
    await db.dailyRollups.bulkPut(stored);
    const bulkGet = vi.spyOn(db.dailyRollups, 'bulkGet');
    const rows = await bulkGetStored(db.dailyRollups, keys);
    expect(rows.filter((r) => r !== undefined)).toHaveLength(10);
    expect(bulkGet).toHaveBeenCalledTimes(1);
    expect(bulkGet.mock.calls[0]?.[0]).toHaveLength(10);
  });

  it('reads by key when the range holds far more rows than are asked for', async () => {
    const many = keysOf(SCAN_FROM_KEYS * 8);
    await db.dailyRollups.bulkPut(many.map(([day, domain]) => row(day, domain)));
    const asked = many.slice(0, SCAN_FROM_KEYS);
    const primaryKeys = vi.spyOn(db.dailyRollups, 'where');
    const bulkGet = vi.spyOn(db.dailyRollups, 'bulkGet');
    const rows = await bulkGetStored(db.dailyRollups, asked);
    expect(rows.every((r) => r !== undefined)).toBe(true);
    expect(bulkGet.mock.calls[0]?.[0]).toHaveLength(SCAN_FROM_KEYS);
    expect(primaryKeys).toHaveBeenCalledTimes(1); // the count only
  });
});
