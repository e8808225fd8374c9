/**
 * DELETE /api/v1/me/visits on real PostgreSQL, in both modes: a site's visits (its hosts
 * included) or a time range, only the calling device's, idempotent, and 400 with a message
 * naming the problem. The range query opens only the partitions it covers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRegistered, EraseResult, VisitEvent } from '#protocol';
import type { Pool } from '../../server/src/data-access/pool.js';
import { deleteDeviceVisits } from '../../server/src/data-access/visit-erase-repo.js';
import {
  type HttpResult,
  makeBatch,
  makeEvent,
  postEvents,
  registerDevice,
  request,
  waitFor,
} from '../harness/client.js';
import { MODES, type Stack, startStack } from './modes.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(MODES)('DELETE /api/v1/me/visits (%s mode)', (mode) => {
  let stack: Stack;
  let base: string;
  /** Midnight UTC two days ago: the visits sit around it. */
  let midnight: number;

  beforeAll(async () => {
    stack = await startStack(mode);
    base = stack.server.url;
    midnight = Math.floor(Date.now() / DAY) * DAY - DAY;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  function visit(domain: string, startMs: number): VisitEvent {
    return makeEvent({
      domain,
      url: `https://${domain}/p`,
      startedAt: new Date(startMs).toISOString(),
      endedAt: new Date(startMs + 60_000).toISOString(),
      activeMs: 30_000,
    });
  }

  async function send(device: DeviceRegistered, events: VisitEvent[]): Promise<void> {
    const res = await postEvents<{ accepted: number }>(base, device.token, makeBatch(events));
    expect(res.status).toBe(200);
    await waitFor(
      async () => (await storedIds(device.deviceId)).length >= events.length,
      'the visits stored',
    );
  }

  async function storedIds(deviceId: string): Promise<string[]> {
    const r = await stack.server.pool.query<{ id: string }>(
      'SELECT id FROM visits WHERE device_id = $1 ORDER BY id',
      [deviceId],
    );
    return r.rows.map((row) => row.id);
  }

  function erase(token: string, query: string): Promise<HttpResult<EraseResult>> {
    return request<EraseResult>(`${base}/api/v1/me/visits?${query}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
  }

  it("erases a site's visits, hosts under it included, and only this device's", async () => {
    const me = await registerDevice(base);
    const other = await registerDevice(base);
    const site = [
      visit('example.com', midnight - HOUR),
      visit('www.example.com', midnight + HOUR),
      visit('blog.example.com', midnight + 2 * HOUR),
    ];
    // Not the site: a name that merely ends in it, and another site.
    const kept = [visit('notexample.com', midnight), visit('other.org', midnight)];
    await send(me, [...site, ...kept]);
    const othersVisit = visit('example.com', midnight);
    await send(other, [othersVisit]);

    const res = await erase(me.token, 'domain=example.com');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deletedVisits: 3 });
    expect(await storedIds(me.deviceId)).toEqual(kept.map((v) => v.id).sort());
    expect(await storedIds(other.deviceId)).toEqual([othersVisit.id]);

    // Idempotent: the same erase again deletes nothing more.
    expect((await erase(me.token, 'domain=example.com')).body).toEqual({ deletedVisits: 0 });
    expect(await storedIds(me.deviceId)).toHaveLength(2);
  });

  it('erases a time range (from inclusive, to exclusive), across midnight, with a domain too', async () => {
    const me = await registerDevice(base);
    const before = visit('a.test', midnight - 2 * HOUR);
    const atFrom = visit('a.test', midnight - HOUR);
    const afterMidnight = visit('b.test', midnight + HOUR);
    const atTo = visit('a.test', midnight + 2 * HOUR);
    await send(me, [before, atFrom, afterMidnight, atTo]);
    const from = new Date(midnight - HOUR).toISOString();
    // midnight + 3 h, written with an offset of +03:00.
    const to = new Date(midnight + 6 * HOUR).toISOString().replace('Z', '+03:00');
    expect(Date.parse(to)).toBe(midnight + 3 * HOUR);
    const exactTo = new Date(midnight + 2 * HOUR).toISOString();

    // A domain and a range together: both must match.
    const both = await erase(
      me.token,
      `domain=b.test&from=${encodeURIComponent(from)}&to=${encodeURIComponent(exactTo)}`,
    );
    expect(both.body).toEqual({ deletedVisits: 1 });
    expect(await storedIds(me.deviceId)).toEqual([before.id, atFrom.id, atTo.id].sort());

    const range = await erase(
      me.token,
      `from=${encodeURIComponent(from)}&to=${encodeURIComponent(exactTo)}`,
    );
    expect(range.status).toBe(200);
    expect(range.body).toEqual({ deletedVisits: 1 });
    expect(await storedIds(me.deviceId)).toEqual([before.id, atTo.id].sort());

    // An offset other than Z names the same instants; `to` alone bounds one side.
    const open = await erase(me.token, `to=${encodeURIComponent(to)}`);
    expect(open.body).toEqual({ deletedVisits: 2 });
    expect(await storedIds(me.deviceId)).toEqual([]);
  });

  it.each([
    ['', 'give at least one of domain, from, to'],
    ['domain=Example.COM', 'domain: must be a lower-case hostname'],
    ['domain=a.test&domain=b.test', 'domain: give it once'],
    ['from=yesterday', 'from:'],
    ['from=2026-01-01T00:00:00', 'from:'],
    ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'to: must be after from'],
    // Offsets PostgreSQL cannot read, and fractions Node misreads: 400s as for an event's times.
    ['from=2026-01-01T00:00:00%2B16:00', 'from: must have a UTC offset of at most 15:59'],
    ['to=2099-01-01T00:00:00-20:00', 'to: must have a UTC offset of at most 15:59'],
    ['from=2026-01-01T00:00:00.0280000001Z', 'from: must have at most 9 digits'],
    ['site=example.com', 'site'],
  ])('answers 400 invalid_request for %j', async (query, message) => {
    const me = await registerDevice(base);
    await send(me, [visit('example.com', midnight)]);
    const res = await erase(me.token, query);
    expect(res.status).toBe(400);
    const body = res.body as unknown as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toContain(message);
    expect(await storedIds(me.deviceId)).toHaveLength(1);
  });

  it('needs the device token', async () => {
    const res = await request(`${base}/api/v1/me/visits?domain=example.com`, { method: 'DELETE' });
    expect(res.status).toBe(401);
  });

  it('touches only the partitions a time range covers', async () => {
    let sql = '';
    let values: unknown[] = [];
    const recorder = {
      query: async (text: string, v: unknown[]) => {
        sql = text;
        values = v;
        return { rowCount: 0 };
      },
    } as unknown as Pool;
    const from = new Date(midnight).toISOString();
    const to = new Date(midnight + HOUR).toISOString();
    await deleteDeviceVisits(recorder, '00000000-0000-4000-8000-000000000000', { from, to });
    const plan = await stack.server.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, values);
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    const partitions = new Set(text.match(/visits_(\d{4}_\d\d|default)/g));
    const month = new Date(midnight).toISOString().slice(0, 7).replace('-', '_');
    expect([...partitions], text).toEqual([`visits_${month}`]);
  });
});
