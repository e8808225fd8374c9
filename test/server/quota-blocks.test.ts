/**
 * Quota reserved ahead in blocks (server/src/domain/quota-blocks.ts) on real PostgreSQL: a
 * device's small requests cost one statement per block, the quota never passes with one process
 * or two, a device still fills it to the last row through one process, and what is left goes
 * back when idle, at the day's end and at shutdown.
 */
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../../server/src/data-access/pool.js';
import { releaseUsages, usageOf } from '../../server/src/data-access/usage-repo.js';
import { usageReserver } from '../../server/src/data-access/usage-reserver.js';
import { IDLE_MS, type QuotaBlocks, quotaBlocks } from '../../server/src/domain/quota-blocks.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase, testLogger } from '../harness/server.js';

const DAY = '2026-12-05';
const NOON = Date.parse(`${DAY}T12:00:00Z`);
const MAX = { maxRows: 100, maxBytes: 1_000_000 };
const BLOCK = { rows: 10, bytes: 10_000 };

describe('quotaBlocks', () => {
  let pool: Pool;
  let statements = 0;
  let clock = NOON;

  beforeAll(async () => {
    const url = await freshDatabase('quota_blocks');
    await prepareDatabase(url);
    pool = createPool(url, 4, testLogger('quota-blocks'));
  });
  afterAll(async () => {
    await pool?.end();
  });

  function blocks(block = BLOCK): QuotaBlocks {
    const reserve = usageReserver(pool, MAX);
    return quotaBlocks({
      reserve: (c) => {
        statements += 1;
        return reserve(c);
      },
      release: (charges) => {
        statements += 1;
        return releaseUsages(pool, charges);
      },
      block,
      now: () => clock,
    });
  }

  async function newDevice(): Promise<string> {
    const id = uuidv7();
    await pool.query(
      `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os)
       VALUES ($1, $2, '1', 'Chrome', '131', 'Linux')`,
      [id, Buffer.alloc(32, 3)],
    );
    return id;
  }

  const one = (deviceId: string, rows = 1) => ({ deviceId, day: DAY, rows, bytes: rows * 100 });

  it('spends a block without statements: 21 one-row requests, two reservations', async () => {
    const device = await newDevice();
    const b = blocks();
    statements = 0;
    for (let i = 0; i < 21; i++) expect((await b.take(one(device))).state).toBe('reserved');
    // 1 + 10 rows ahead, 10 from the block, then the 12th reserves 1 + 10 again (and bytes ahead
    // again, the first block's 9,000 left being under a block), the last 9 from the block.
    expect(statements).toBe(2);
    expect(await usageOf(pool, device, DAY)).toEqual({ rows: 22, bytes: 100 + 10_000 + 10_000 });
    await b.releaseAll();
    expect(await usageOf(pool, device, DAY)).toEqual({ rows: 21, bytes: 2_100 });
  });

  it('fills the quota to the last row through one process, never past it', async () => {
    const device = await newDevice();
    const b = blocks();
    const answers = await Promise.all(Array.from({ length: 130 }, () => b.take(one(device))));
    expect(answers.filter((a) => a.state === 'reserved')).toHaveLength(100);
    const over = answers.find((a) => a.state === 'over');
    // The refusal says what the device stored, not what this process held ahead.
    expect(over).toEqual({ state: 'over', used: { rows: 100, bytes: 10_000 } });
    // Rows ran out first: this process may still hold bytes ahead, never past the quota.
    const counted = await usageOf(pool, device, DAY);
    expect(counted?.rows).toBe(100);
    expect(counted?.bytes).toBeLessThan(10_000 + 2 * BLOCK.bytes);
    await b.releaseAll();
    expect(await usageOf(pool, device, DAY)).toEqual({ rows: 100, bytes: 10_000 });
  });

  it('never passes the quota with two processes holding blocks', async () => {
    const device = await newDevice();
    const [a, b] = [blocks(), blocks()];
    const answers = await Promise.all(
      Array.from({ length: 160 }, (_, i) => (i % 2 === 0 ? a : b).take(one(device, 1 + (i % 3)))),
    );
    const taken = answers
      .map((r, i) => (r.state === 'reserved' ? 1 + (i % 3) : 0))
      .reduce((x, y) => x + y, 0);
    expect(taken).toBeLessThanOrEqual(100);
    // Each may have been refused while the other held at most one block unspent.
    expect(taken).toBeGreaterThanOrEqual(100 - 2 * BLOCK.rows);
    await Promise.all([a.releaseAll(), b.releaseAll()]);
    expect((await usageOf(pool, device, DAY))?.rows).toBe(taken);
  });

  it('gives back an idle block and a past day on the sweep, keeping a busy one', async () => {
    const [idle, busy] = [await newDevice(), await newDevice()];
    const b = blocks();
    await b.take(one(idle));
    await b.take(one(busy));
    clock += IDLE_MS - 1;
    await b.take(one(busy));
    clock += 1;
    await b.sweep();
    expect(await usageOf(pool, idle, DAY)).toEqual({ rows: 1, bytes: 100 });
    expect((await usageOf(pool, busy, DAY))?.rows).toBe(11);
    // Midnight UTC: yesterday's block goes back though it was used just now.
    clock = Date.parse(`${DAY}T23:59:59Z`);
    await b.take(one(busy));
    clock += 1_000;
    await b.sweep();
    expect(await usageOf(pool, busy, DAY)).toEqual({ rows: 3, bytes: 300 });
    clock = NOON;
  });

  it('keeps what it could not give back and gives it back on the next sweep', async () => {
    const device = await newDevice();
    let down = true;
    const reserve = usageReserver(pool, MAX);
    const b = quotaBlocks({
      reserve,
      release: async (charges) => {
        if (down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        await releaseUsages(pool, charges);
      },
      block: BLOCK,
      now: () => clock,
    });
    await b.take(one(device));
    await expect(b.releaseAll()).rejects.toThrow('ECONNREFUSED');
    down = false;
    clock += IDLE_MS;
    await b.sweep();
    expect(await usageOf(pool, device, DAY)).toEqual({ rows: 1, bytes: 100 });
    clock = NOON;
  });

  it('never gives a block back twice when the return failed after it may have run', async () => {
    const device = await newDevice();
    let lostAnswer = true;
    const b = quotaBlocks({
      reserve: usageReserver(pool, MAX),
      release: async (charges) => {
        await releaseUsages(pool, charges);
        // Committed, but the answer is lost: the caller cannot tell it ran.
        if (lostAnswer) throw new Error('Connection terminated unexpectedly');
      },
      block: BLOCK,
      now: () => clock,
    });
    await b.take(one(device));
    await expect(b.releaseAll()).rejects.toThrow('Connection terminated');
    lostAnswer = false;
    clock += IDLE_MS;
    await b.sweep();
    // The one row spent stays counted: returning the block again would have taken it off.
    expect(await usageOf(pool, device, DAY)).toEqual({ rows: 1, bytes: 100 });
    clock = NOON;
  });

  it('returns an undelivered batch to the block, and to PostgreSQL with it', async () => {
    const device = await newDevice();
    const b = blocks();
    await b.take(one(device, 4));
    await b.giveBack(one(device, 4));
    await b.releaseAll();
    expect(await usageOf(pool, device, DAY)).toEqual({ rows: 0, bytes: 0 });
  });

  it('answers gone for an erased device and holds nothing for it', async () => {
    const device = await newDevice();
    const b = blocks();
    await b.take(one(device));
    await pool.query('DELETE FROM devices WHERE id = $1', [device]);
    b.forget(device);
    expect(await b.take(one(device))).toEqual({ state: 'gone' });
  });

  it('with a block of zero reserves each request on its own (as before)', async () => {
    const device = await newDevice();
    const b = blocks({ rows: 0, bytes: 0 });
    statements = 0;
    for (let i = 0; i < 3; i++) await b.take(one(device));
    expect(statements).toBe(3);
    expect(await usageOf(pool, device, DAY)).toEqual({ rows: 3, bytes: 300 });
    await b.giveBack(one(device));
    expect(await usageOf(pool, device, DAY)).toEqual({ rows: 2, bytes: 200 });
  });
});
