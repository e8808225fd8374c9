/**
 * GET /api/v1/me/summary?since=<cursor of another range> (issue 18): the extension's ranges
 * move every day, so its first request of a day carries yesterday's cursor. Read against real
 * PostgreSQL: the days of the new range the cursor's did not cover come whole, the days of both
 * only where they changed, and the extension's own merge of that answer into its cached one
 * equals the whole answer; a range with no day in common, or a person whose browsers changed
 * (an erased one unlinks), gets the whole range.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompactSummarySchema,
  type DeviceRegistered,
  expandSummary,
  type Summary,
  SummarySchema,
  type VisitEvent,
} from '#protocol';
import { mergeSummary } from '../../extension/stats/summary-cache.js';
import { makeBatch, makeEvent, postEvents, registerDevice, request } from '../harness/client.js';
import { link, openCursor, sealCursor, summary } from './link-kit.js';
import { type Stack, startStack } from './modes.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

describe('GET /api/v1/me/summary?since= with a cursor of another range', () => {
  let stack: Stack;
  let base: string;
  /** The last day of the ranges (UTC midnight), two days ago: no visit of the test is "now". */
  let d: number;
  let a: DeviceRegistered;
  let b: DeviceRegistered;

  beforeAll(async () => {
    stack = await startStack('embedded', { AUTH_CACHE_TTL_MS: '0' });
    base = stack.server.url;
    d = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
    const [x, y] = await Promise.all([registerDevice(base), registerDevice(base)]);
    if (!x || !y) throw new Error('registration');
    [a, b] = [x, y];
    await link(base, a.token, b.token);
    // Every day of d-12..d has visits of both browsers (two sites each, hours apart).
    for (const [device, offset] of [
      [a, 9],
      [b, 15],
    ] as const) {
      const events: VisitEvent[] = [];
      for (let day = -12; day <= 0; day++) {
        events.push(visit('example.com', d + day * DAY + offset * HOUR, 10_000 + day));
        events.push(visit(`s${-day % 3}.test`, d + day * DAY + (offset + 1) * HOUR, 2_000));
      }
      await send(device, events);
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  function visit(domain: string, startMs: number, activeMs: number): VisitEvent {
    return makeEvent({
      domain,
      url: `https://${domain}/`,
      startedAt: new Date(startMs).toISOString(),
      endedAt: new Date(startMs + activeMs + 1000).toISOString(),
      activeMs,
    });
  }

  async function send(device: DeviceRegistered, events: VisitEvent[]): Promise<void> {
    const res = await postEvents(base, device.token, makeBatch(events));
    expect(res.status, res.text).toBe(200);
  }

  const rangeOf = (lo: number, hi: number, tz = 'UTC') =>
    `from=${isoDay(d + lo * DAY)}&to=${isoDay(d + hi * DAY)}&tz=${tz}`;

  async function get(query: string, device = a): Promise<Summary> {
    const res = await summary(base, device.token, query);
    expect(res.status, res.text).toBe(200);
    return SummarySchema.parse(res.body);
  }

  /** The compact answer (v=2) as the extension reads it. */
  async function getCompact(query: string): Promise<Summary> {
    const res = await summary(base, a.token, `${query}&v=2`);
    expect(res.status, res.text).toBe(200);
    const expanded = expandSummary(CompactSummarySchema.parse(res.body));
    if (expanded === null) throw new Error('the compact answer names a domain or device it lacks');
    return expanded;
  }

  /** Both browsers on each of the days lo..hi, as `changed` lists them. */
  const wholeDays = (lo: number, hi: number) =>
    Array.from({ length: hi - lo + 1 }, (_, i) => isoDay(d + (lo + i) * DAY)).flatMap((date) =>
      [a.deviceId, b.deviceId].sort().map((deviceId) => ({ date, deviceId })),
    );

  const sortChanged = (c: Summary['changed']) =>
    [...(c ?? [])].sort((x, y) => (x.date + x.deviceId < y.date + y.deviceId ? -1 : 1));

  it('answers a range moved by a day with the new day whole and the changed old days', async () => {
    const yesterday = await get(rangeOf(-7, -1));
    expect(yesterday.complete).toBe(true);
    // b syncs late: one more visit on an old day of both ranges.
    await send(b, [visit('late.test', d - 3 * DAY + 20 * HOUR, 7_000)]);

    const today = rangeOf(-6, 0);
    const next = await get(`${today}&since=${yesterday.cursor}`);
    expect(next).toMatchObject({ complete: false, from: isoDay(d - 6 * DAY), to: isoDay(d) });
    expect(sortChanged(next.changed)).toEqual(
      sortChanged([{ date: isoDay(d - 3 * DAY), deviceId: b.deviceId }, ...wholeDays(0, 0)]),
    );
    const full = await get(today);
    expect(next.rows).toEqual(
      full.rows.filter(
        (r) =>
          r.date === isoDay(d) || (r.date === isoDay(d - 3 * DAY) && r.deviceId === b.deviceId),
      ),
    );
    const merged = mergeSummary(yesterday, next);
    expect(merged?.rows).toEqual(full.rows);
    expect(merged).toMatchObject({ from: full.from, to: full.to, complete: true });

    // The compact answer numbers its days from the new range's first (d-6): d-3 is 3, d is 6.
    const compact = await summary(base, a.token, `${today}&v=2&since=${yesterday.cursor}`);
    const c = CompactSummarySchema.parse(compact.body);
    expect(new Set(c.changed?.map(([day]) => day))).toEqual(new Set([3, 6]));
    expect(c.rows.every(([day]) => day === 3 || day === 6)).toBe(true);
    expect(c.rows).toHaveLength(next.rows.length);
  });

  it('answers a widened range with the days it adds whole', async () => {
    const week = await get(rangeOf(-4, -1));
    const wider = rangeOf(-8, 0);
    const next = await get(`${wider}&since=${week.cursor}`);
    expect(next.complete).toBe(false);
    expect(sortChanged(next.changed)).toEqual(
      sortChanged([...wholeDays(-8, -5), ...wholeDays(0, 0)]),
    );
    expect(mergeSummary(week, next)?.rows).toEqual((await get(wider)).rows);
    // Narrowed: nothing to add, the extension drops the days outside.
    const narrow = rangeOf(-3, -2);
    const inner = await get(`${narrow}&since=${week.cursor}`);
    expect(inner).toMatchObject({ complete: false, changed: [], rows: [] });
    expect(mergeSummary(week, inner)?.rows).toEqual((await get(narrow)).rows);
  });

  it('merged by the extension equals the whole answer after changes in both ranges', async () => {
    // In Berlin: local days hold hours of two UTC days, and a change lists both.
    const from = rangeOf(-10, -2, 'Europe/Berlin');
    const to = rangeOf(-9, 0, 'Europe/Berlin');
    for (const read of [get, getCompact]) {
      const cache = await read(from);
      await send(a, [
        visit('late.test', d - 9 * DAY + 23 * HOUR + 30 * 60_000, 1_000),
        visit('late.test', d - 5 * DAY + 3 * HOUR, 2_000),
        visit('late.test', d - 1 * DAY + 12 * HOUR, 3_000),
      ]);
      // An erase of an old day's site of b's, on days of both ranges.
      const erase = await request(`${base}/api/v1/me/visits?domain=s1.test`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${b.token}` },
      });
      expect(erase.status, erase.text).toBe(200);
      const next = await read(`${to}&since=${cache.cursor}`);
      expect(next.complete).toBe(false);
      const full = await read(to);
      expect(full.rows.some((r) => r.domain === 's1.test' && r.deviceId === b.deviceId)).toBe(
        false,
      );
      expect(mergeSummary(cache, next)?.rows).toEqual(full.rows);
      expect(next.appliedThrough).toEqual(full.appliedThrough);
      // Each visit once only: the next round adds its own again.
      await send(b, [visit('s1.test', d - 6 * DAY + 10 * HOUR, 4_000)]);
    }
  });

  it('answers the whole range without a day in common, or for other browsers', async () => {
    const old = await get(rangeOf(-12, -10));
    expect((await get(`${rangeOf(-9, 0)}&since=${old.cursor}`)).complete).toBe(true);
    expect((await get(`${rangeOf(-10, 0, 'Europe/Berlin')}&since=${old.cursor}`)).complete).toBe(
      true,
    );
    // A third browser joins, then is erased: each time the person's browsers differ.
    const c = await registerDevice(base);
    if (!c) throw new Error('registration');
    const before = await get(rangeOf(-12, -1));
    await link(base, a.token, c.token);
    const three = await get(`${rangeOf(-11, 0)}&since=${before.cursor}`);
    expect(three.complete).toBe(true);
    const erased = await request(`${base}/api/v1/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${c.token}` },
    });
    expect(erased.status, erased.text).toBe(200);
    const after = await get(`${rangeOf(-10, 0)}&since=${three.cursor}`);
    expect(after.complete).toBe(true);
    expect(after.devices.map((x) => x.id).sort()).toEqual([a.deviceId, b.deviceId].sort());
  });

  it('refuses a cursor whose range is not one of days with 400 naming since', async () => {
    const now = await get(rangeOf(-2, 0));
    const fields = await openCursor(stack.server.pool, now.cursor);
    for (const range of [
      { from: '2026-02-30' },
      { from: '2026-13-01' },
      { to: fields.from, from: isoDay(Date.parse(fields.from) + DAY) },
    ]) {
      const forged = await sealCursor(stack.server.pool, { ...fields, ...range });
      const res = await summary(base, a.token, `${rangeOf(-2, 0)}&since=${forged}`);
      expect(res.status, JSON.stringify(range)).toBe(400);
      expect(res.text).toContain('since');
    }
  });
});
