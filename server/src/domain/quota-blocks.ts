/**
 * Quota reserved ahead in blocks, per device and UTC day, in this API process.
 *
 * Each request reserves its rows and bytes in PostgreSQL before it is accepted (a statement
 * shared by concurrent requests: data-access/usage-reserver.ts), and that statement was the
 * last round trip a small request waited for. Here a request that finds too little of its
 * device's day held reserves what it lacks plus a block (QUOTA_BLOCK_PERCENT of the daily
 * quota) in that same statement; the device's next requests spend the block in memory, with no
 * statement, until it runs out. Guarantees:
 *  - the quota never passes: PostgreSQL counts every block in full, spent or not;
 *  - with one API process a request is decided exactly as without blocks (what this process
 *    holds is spent first, and a request that does not fit with a block is reserved alone), so
 *    a device still fills its quota to the last row; several processes each hold at most a
 *    block per device, which the others cannot spend, so a device near its quota may be
 *    refused up to one block per other process early;
 *  - the unspent rest goes back to PostgreSQL once the device sent nothing for IDLE_MS, once
 *    its UTC day is over (both within SWEEP_MS more), and when the API stops (releaseAll);
 *    an API killed without stopping leaves it counted until midnight UTC, so the device may
 *    store one block less that day;
 *  - a revoked or erased device is refused by authentication (domain/device-auth.ts, within
 *    AUTH_CACHE_TTL_MS when revoked or erased elsewhere). Without a block, a device erased
 *    elsewhere was also refused by its reservation at once; a request spent from a block is
 *    accepted for up to that TTL, and the writer drops an erased device's rows. An erase
 *    through this process drops the device's blocks (forget);
 *  - a return is never made twice: one whose statement may have run (an error after it was
 *    sent) is dropped, so the device may store up to one block less that day, never more.
 * A block of zero (QUOTA_BLOCK_PERCENT=0, or a quota too small for one row) reserves each
 * request on its own, as before.
 */
import type { Reservation, UsageCharge } from '../data-access/usage-repo.js';

/**
 * A block's rest goes back this long after its device's last request: long enough to outlast
 * a browser's sync interval (minutes), short enough that a device moving to another API
 * process finds its quota there soon.
 */
export const IDLE_MS = 300_000;
export const SWEEP_MS = 30_000;

export interface QuotaBlockDeps {
  /** One reservation in PostgreSQL (usage-reserver.ts). */
  reserve(charge: UsageCharge): Promise<Reservation>;
  /** Gives reservations back in PostgreSQL, together. */
  release(charges: UsageCharge[]): Promise<void>;
  block: { rows: number; bytes: number };
  /** Wall clock (ms): idleness and the UTC day. */
  now?: () => number;
}

interface Held {
  deviceId: string;
  day: string;
  rows: number;
  bytes: number;
  usedAt: number;
}

export interface QuotaBlocks {
  /** Reserves the charge: from a block held here, or in PostgreSQL (with a block when it fits). */
  take(charge: UsageCharge): Promise<Reservation>;
  /** A reservation whose batch was not delivered: back to the block (or to PostgreSQL). */
  giveBack(charge: UsageCharge): Promise<void>;
  /** Returns what is idle or of a past day to PostgreSQL (the timer calls it every SWEEP_MS). */
  sweep(): Promise<void>;
  /** Returns everything held to PostgreSQL (at shutdown). */
  releaseAll(): Promise<void>;
  /** Forgets the device's blocks without returning them (it was erased: its usage is gone). */
  forget(deviceId: string): void;
}

const pos = (n: number): number => (n > 0 ? n : 0);

/** Errors raised before a statement reaches PostgreSQL: no connection could be made. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
function neverSent(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string' && CONNECT_ERRORS.has(e.code)) return true;
  // pg-pool's wait for a free connection timing out.
  return (
    typeof e?.message === 'string' && e.message.includes('timeout exceeded when trying to connect')
  );
}

export function quotaBlocks(deps: QuotaBlockDeps): QuotaBlocks {
  const now = deps.now ?? Date.now;
  const { block } = deps;
  const held = new Map<string, Held>();
  // A device-day's top-up in flight: its other requests wait for it, then spend what it brought.
  const topping = new Map<string, Promise<unknown>>();
  let timer: NodeJS.Timeout | null = null;

  function schedule(): void {
    if (timer !== null || held.size === 0) return;
    // A sweep that cannot reach PostgreSQL keeps what it held for the next one.
    timer = setInterval(() => void api.sweep().catch(() => undefined), SWEEP_MS);
    timer.unref();
  }

  /**
   * Returns entries to PostgreSQL. If the statement was surely never sent (no connection), they
   * are held again for the next sweep; after any other error the statement may have committed,
   * and returning them again would let the device store past its quota.
   */
  async function giveBackAll(entries: Held[]): Promise<void> {
    const charges = entries
      .filter((h) => h.rows > 0 || h.bytes > 0)
      .map(({ deviceId, day, rows, bytes }) => ({ deviceId, day, rows, bytes }));
    if (charges.length === 0) return;
    try {
      await deps.release(charges);
    } catch (err) {
      if (neverSent(err))
        for (const h of entries) hold(h.deviceId, h.day, h.rows, h.bytes, h.usedAt);
      throw err;
    }
  }

  function hold(deviceId: string, day: string, rows: number, bytes: number, at: number): void {
    const key = `${deviceId} ${day}`;
    const h = held.get(key) ?? { deviceId, day, rows: 0, bytes: 0, usedAt: at };
    h.rows += rows;
    h.bytes += bytes;
    h.usedAt = Math.max(h.usedAt, at);
    held.set(key, h);
    schedule();
  }

  async function topUp(key: string, c: UsageCharge): Promise<Reservation> {
    const h = held.get(key);
    const lack = { rows: pos(c.rows - (h?.rows ?? 0)), bytes: pos(c.bytes - (h?.bytes ?? 0)) };
    // A block of what runs short only: rows may run out long before bytes, or the other way.
    const have = { rows: (h?.rows ?? 0) - c.rows, bytes: (h?.bytes ?? 0) - c.bytes };
    let extra = {
      rows: have.rows >= block.rows ? 0 : block.rows,
      bytes: have.bytes >= block.bytes ? 0 : block.bytes,
    };
    let r = await deps.reserve({
      ...c,
      rows: lack.rows + extra.rows,
      bytes: lack.bytes + extra.bytes,
    });
    if (r.state === 'over') {
      extra = { rows: 0, bytes: 0 };
      r = await deps.reserve({ ...c, ...lack });
    }
    if (r.state === 'over') {
      // What the day holds, less what this process holds unspent.
      const used = {
        rows: pos(r.used.rows - (h?.rows ?? 0)),
        bytes: pos(r.used.bytes - (h?.bytes ?? 0)),
      };
      return { state: 'over', used };
    }
    if (r.state !== 'reserved') {
      held.delete(key);
      return r;
    }
    hold(
      c.deviceId,
      c.day,
      lack.rows + extra.rows - c.rows,
      lack.bytes + extra.bytes - c.bytes,
      now(),
    );
    return r;
  }

  const api: QuotaBlocks = {
    async take(c) {
      if (block.rows <= 0 || block.bytes <= 0) return deps.reserve(c);
      const key = `${c.deviceId} ${c.day}`;
      for (;;) {
        const pending = topping.get(key);
        if (pending !== undefined) {
          await pending.catch(() => undefined);
          continue;
        }
        const h = held.get(key);
        if (h !== undefined && h.rows >= c.rows && h.bytes >= c.bytes) {
          h.rows -= c.rows;
          h.bytes -= c.bytes;
          h.usedAt = now();
          return { state: 'reserved', used: { rows: Number.NaN, bytes: Number.NaN } };
        }
        const p = topUp(key, c);
        topping.set(key, p);
        try {
          return await p;
        } finally {
          topping.delete(key);
        }
      }
    },
    async giveBack(c) {
      if (block.rows <= 0 || block.bytes <= 0) return deps.release([c]);
      hold(c.deviceId, c.day, c.rows, c.bytes, now());
    },
    async sweep() {
      const t = now();
      const today = new Date(t).toISOString().slice(0, 10);
      const done: Held[] = [];
      for (const [key, h] of held) {
        if (topping.has(key)) continue;
        if (h.day !== today || t - h.usedAt >= IDLE_MS) {
          held.delete(key);
          done.push(h);
        }
      }
      if (held.size === 0 && timer !== null) {
        clearInterval(timer);
        timer = null;
      }
      await giveBackAll(done);
    },
    async releaseAll() {
      // A top-up in flight would hold its block after this: let it land first.
      await Promise.allSettled([...topping.values()]);
      const all = [...held.values()];
      held.clear();
      if (timer !== null) clearInterval(timer);
      timer = null;
      await giveBackAll(all);
    },
    forget(deviceId) {
      for (const [key, h] of held) if (h.deviceId === deviceId) held.delete(key);
    },
  };
  return api;
}
