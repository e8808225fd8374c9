/**
 * GET /api/v1/me/summary?since=<cursor> (issue 18): only the days changed since an earlier
 * answer, read against real PostgreSQL. A cached answer with the changed days replaced equals a
 * full answer after writes, resends, erases and retention; a cursor of days apart, another zone
 * or device set gets the whole range; and a writer that took its transaction id before another's
 * and commits after a summary read is still seen by the next one (the case a version number
 * taken inside the writers' transactions misses).
 */
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompactSummarySchema,
  type DeviceRegistered,
  expandSummary,
  type Summary,
  SummarySchema,
  type VisitEvent,
} from '#protocol';
import { makeBatch, makeEvent, postEvents, registerDevice, request } from '../harness/client.js';
import { link, openCursor, sealCursor, summary } from './link-kit.js';
import { type Stack, startStack } from './modes.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The cached answer with an incremental one's days replaced, as the extension merges them. */
function merge(cache: Summary, next: Summary): Summary {
  if (next.complete !== false) return next;
  const replaced = new Set((next.changed ?? []).map((c) => `${c.date} ${c.deviceId}`));
  for (const r of next.rows) expect(replaced.has(`${r.date} ${r.deviceId}`)).toBe(true);
  const key = (r: Summary['rows'][number]) => `${r.date} ${r.domain} ${r.deviceId}`;
  const rows = [
    ...cache.rows.filter((r) => !replaced.has(`${r.date} ${r.deviceId}`)),
    ...next.rows,
  ].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  return { ...next, rows };
}

describe('GET /api/v1/me/summary?since', () => {
  let stack: Stack;
  let base: string;
  let day0: number;
  let a: DeviceRegistered;
  let b: DeviceRegistered;
  let range: string;

  beforeAll(async () => {
    stack = await startStack('embedded', { AUTH_CACHE_TTL_MS: '0' });
    base = stack.server.url;
    day0 = Math.floor(Date.now() / DAY) * DAY - 5 * DAY;
    const [x, y] = await Promise.all([registerDevice(base), registerDevice(base)]);
    if (!x || !y) throw new Error('registration');
    [a, b] = [x, y];
    await link(base, a.token, b.token);
    range = `from=${isoDay(day0 - DAY)}&to=${isoDay(day0 + 6 * DAY)}&tz=Europe/Berlin`;
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

  async function get(device: DeviceRegistered, query: string): Promise<Summary> {
    const res = await summary(base, device.token, query);
    expect(res.status, res.text).toBe(200);
    return SummarySchema.parse(res.body);
  }

  /** The incremental answer since `cache`, merged, equals a full one read right after it. */
  async function expectMergeIsFull(cache: Summary, device = a): Promise<Summary> {
    const next = await get(device, `${range}&since=${cache.cursor}`);
    expect(next.complete).toBe(false);
    const full = await get(device, range);
    expect(full.complete).toBe(true);
    const merged = merge(cache, next);
    expect(merged.rows).toEqual(full.rows);
    expect(next.appliedThrough).toEqual(full.appliedThrough);
    expect(next.appliedSeq).toEqual(full.appliedSeq);
    expect(next.lastBatchId).toEqual(full.lastBatchId);
    return merged;
  }

  it('answers only the changed days, each whole, and merged they equal the full answer', async () => {
    const batch = [
      visit('example.com', day0 + 10 * HOUR, 30_000),
      visit('other.org', day0 + DAY + 10 * HOUR, 5_000),
    ];
    await send(a, batch);
    await send(b, [visit('example.com', day0 + 2 * DAY + 12 * HOUR, 2_000)]);
    let cache = await get(a, range);
    expect(cache.complete).toBe(true);
    expect(cache.changed).toBeUndefined();
    expect(cache.rows).toHaveLength(3);

    // Nothing changed: no days, no rows, the watermarks all the same.
    const idle = await get(a, `${range}&since=${cache.cursor}`);
    expect(idle).toMatchObject({ complete: false, changed: [], rows: [] });
    expect(idle.appliedThrough).toEqual(cache.appliedThrough);

    // b syncs one more visit on a day it has one already: that day of b, sent whole, and the
    // next (the change log has UTC days, and 23:00 UTC is the next day in Berlin), empty.
    await send(b, [visit('example.com', day0 + 2 * DAY + 14 * HOUR, 3_000)]);
    const one = await get(a, `${range}&since=${cache.cursor}`);
    expect(one.changed).toEqual([
      { date: isoDay(day0 + 2 * DAY), deviceId: b.deviceId },
      { date: isoDay(day0 + 3 * DAY), deviceId: b.deviceId },
    ]);
    expect(one.rows).toEqual([
      {
        date: isoDay(day0 + 2 * DAY),
        domain: 'example.com',
        deviceId: b.deviceId,
        activeMs: 5_000,
        visits: 2,
      },
    ]);
    cache = merge(cache, one);

    // A resend stores nothing and changes no day.
    await send(a, batch);
    expect((await get(a, `${range}&since=${cache.cursor}`)).changed).toEqual([]);

    // Near Berlin's midnight (23:30 UTC is 00:30 the next local day): both local days of the
    // UTC day come whole.
    await send(a, [visit('late.net', day0 + 3 * DAY + 23 * HOUR + 30 * 60_000, 4_000)]);
    cache = await expectMergeIsFull(cache);

    // A selective erase takes a day out: its rows go, the day is listed with none.
    const erase = await request(`${base}/api/v1/me/visits?domain=other.org`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${a.token}` },
    });
    expect(erase.status, erase.text).toBe(200);
    const erased = await get(a, `${range}&since=${cache.cursor}`);
    expect(erased.changed).toContainEqual({ date: isoDay(day0 + DAY), deviceId: a.deviceId });
    expect(erased.rows.filter((r) => r.domain === 'other.org')).toEqual([]);
    cache = await expectMergeIsFull(cache);

    // The compact answer lists the same days as [day, device].
    await send(a, [visit('example.com', day0 + 4 * DAY + 9 * HOUR, 1_000)]);
    const res = await summary(base, a.token, `${range}&v=2&since=${cache.cursor}`);
    expect(res.status, res.text).toBe(200);
    const compact = CompactSummarySchema.parse(res.body);
    const dev = compact.devices.findIndex((d) => d.id === a.deviceId);
    expect(compact.changed?.sort()).toEqual([
      [5, dev],
      [6, dev],
    ]);
    expect(expandSummary(compact)?.changed).toEqual([
      { date: isoDay(day0 + 4 * DAY), deviceId: a.deviceId },
      { date: isoDay(day0 + 5 * DAY), deviceId: a.deviceId },
    ]);
  });

  it('answers the whole range for a cursor of days apart, another zone or devices', async () => {
    const cache = await get(a, range);
    // Another range with days in common: summary-since-ranges.test.ts.
    const other = `from=${isoDay(day0 + 7 * DAY)}&to=${isoDay(day0 + 9 * DAY)}&tz=Europe/Berlin`;
    expect((await get(a, `${other}&since=${cache.cursor}`)).complete).toBe(true);
    const zone = `from=${isoDay(day0 - DAY)}&to=${isoDay(day0 + 6 * DAY)}&tz=UTC`;
    expect((await get(a, `${zone}&since=${cache.cursor}`)).complete).toBe(true);
    const c = await registerDevice(base);
    if (!c) throw new Error('registration');
    await link(base, a.token, c.token);
    expect((await get(a, `${range}&since=${cache.cursor}`)).complete).toBe(true);
    // A snapshot past this database's (a cursor from before a restore from a dump, which numbers
    // transactions from low ids again) would take every later change as seen.
    const now = await get(a, range);
    const fields = await openCursor(stack.server.pool, now.cursor);
    const ahead = await sealCursor(stack.server.pool, {
      ...fields,
      snapshot: '900000000000:900000000000:',
    });
    expect((await get(a, `${range}&since=${ahead}`)).complete).toBe(true);
    expect((await get(a, `${range}&since=${now.cursor}`)).complete).toBe(false);
  });

  it('refuses a malformed cursor with 400 and a message', async () => {
    for (const since of ['not a cursor', 'e30', Buffer.from('{"f":1}').toString('base64url')]) {
      const res = await summary(base, a.token, `${range}&since=${encodeURIComponent(since)}`);
      expect(res.status).toBe(400);
      expect(res.text).toContain('since');
    }
  });

  it("shows a device none of the database's transaction ids, and refuses a cursor it made or changed", async () => {
    const answer = await get(a, range);
    const cursor = answer.cursor ?? '';
    const snapshot = (await openCursor(stack.server.pool, cursor)).snapshot;
    const [xmin, xmax] = snapshot.split(':');
    const text = Buffer.from(cursor, 'base64url').toString('latin1');
    expect(text).not.toContain(`${xmin}:${xmax}`);
    // The cursor as a device would forge it from one it read: its fields in JSON, none sealed.
    const fields = { f: answer.from, t: answer.to, z: answer.tz, s: snapshot, d: 'x' };
    const plain = Buffer.from(JSON.stringify(fields)).toString('base64url');
    const changed = Buffer.from(cursor, 'base64url');
    changed[changed.length - 1] = (changed.at(-1) ?? 0) ^ 1;
    for (const since of [plain, changed.toString('base64url')]) {
      const res = await summary(base, a.token, `${range}&since=${since}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'invalid_request' } });
      expect(res.text).toContain('since: not a cursor of this server');
      // What the client does then, in the message: a cursor it has cannot become a right one.
      expect(res.text).toContain('ask again without since');
    }
    expect((await get(a, `${range}&since=${cursor}`)).complete).toBe(false);
  });

  it('sees a writer that took its transaction id first and committed after the read', async () => {
    const [x, y] = await Promise.all([registerDevice(base), registerDevice(base)]);
    if (!x || !y) throw new Error('registration');
    await link(base, x.token, y.token);
    await send(x, [visit('example.com', day0 + 10 * HOUR, 1_000)]);
    await send(y, [visit('example.com', day0 + 10 * HOUR, 1_000)]);
    const pool = stack.server.pool;
    // A copy of one of the device's visits, moved to `startMs`: what a writer inserts.
    const copy = `INSERT INTO visits
      SELECT (jsonb_populate_record(NULL::visits, to_jsonb(v) || jsonb_build_object(
                'id', $2::uuid, 'started_at', $3::timestamptz, 'started_at_corrected',
                $3::timestamptz))).*
        FROM visits v WHERE device_id = $1 LIMIT 1`;
    const early = await pool.connect();
    const late = await pool.connect();
    try {
      // The early writer takes the lower transaction id and writes x's day...
      await early.query('BEGIN');
      await early.query(copy, [x.deviceId, uuidv7(), new Date(day0 + DAY + 10 * HOUR)]);
      // ...the late one takes a higher id, writes y's day and commits first.
      await late.query('BEGIN');
      await late.query(copy, [y.deviceId, uuidv7(), new Date(day0 + 3 * DAY + 10 * HOUR)]);
      const ids = await pool.query<{ early: string; late: string }>(
        `SELECT (SELECT xid FROM summary_changes WHERE device_id = $1 AND day = $3) AS early,
                (SELECT xid FROM summary_changes WHERE device_id = $2 AND day = $4) AS late`,
        [x.deviceId, y.deviceId, isoDay(day0 + DAY), isoDay(day0 + 3 * DAY)],
      );
      // Not committed yet: neither is visible to others.
      expect(ids.rows[0]).toEqual({ early: null, late: null });
      await late.query('COMMIT');
      const read = await get(x, range);
      expect(read.rows.map((r) => r.date)).toContain(isoDay(day0 + 3 * DAY));
      expect(read.rows.map((r) => r.date)).not.toContain(isoDay(day0 + DAY));
      await early.query('COMMIT');
      const order = await pool.query<{ early: string; late: string }>(
        `SELECT (SELECT xid::text::numeric FROM summary_changes WHERE device_id = $1 AND day = $3)
                  < (SELECT xid::text::numeric FROM summary_changes
                      WHERE device_id = $2 AND day = $4) AS early_first`,
        [x.deviceId, y.deviceId, isoDay(day0 + DAY), isoDay(day0 + 3 * DAY)],
      );
      expect(order.rows[0]).toEqual({ early_first: true });
      const next = await get(x, `${range}&since=${read.cursor}`);
      // x's day (and the next, in Berlin), nothing of y's: the naive "changes numbered above
      // the highest seen" skips x's, numbered below y's.
      expect(next.changed).toEqual([
        { date: isoDay(day0 + DAY), deviceId: x.deviceId },
        { date: isoDay(day0 + 2 * DAY), deviceId: x.deviceId },
      ]);
      expect(merge(read, next).rows).toEqual((await get(x, range)).rows);
    } finally {
      await early.query('ROLLBACK').catch(() => undefined);
      await late.query('ROLLBACK').catch(() => undefined);
      early.release();
      late.release();
    }
  });
});
