/**
 * GET /api/v1/me/summary and the rollup behind it (issue 18), in both modes (the API writing
 * to PostgreSQL itself, and API -> mock Kafka -> consumer): resent batches count once, erases
 * take their share out, a device sees only its person's devices, days follow the zone, and bad
 * queries get 400 with a message.
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
import {
  makeBatch,
  makeEvent,
  postEvents,
  registerDevice,
  request,
  waitFor,
} from '../harness/client.js';
import { expectSummaryDaysMatchVisits } from '../harness/summary-days.js';
import { link, summary, unlink } from './link-kit.js';
import { MODES, type Stack, startStack } from './modes.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

describe.each(MODES)('GET /api/v1/me/summary (%s mode)', (mode) => {
  let stack: Stack;
  let base: string;
  /** Midnight UTC three days ago. */
  let day0: number;

  beforeAll(async () => {
    stack = await startStack(mode, { AUTH_CACHE_TTL_MS: '0' });
    base = stack.server.url;
    day0 = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
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

  /** The device's stored visits: [to marker.test, to other sites]. */
  async function count(deviceId: string): Promise<[number, number]> {
    const r = await stack.server.pool.query<{ markers: string; others: string }>(
      `SELECT count(*) FILTER (WHERE domain = 'marker.test') AS markers,
              count(*) FILTER (WHERE domain <> 'marker.test') AS others
         FROM visits WHERE device_id = $1`,
      [deviceId],
    );
    return [Number(r.rows[0]?.markers), Number(r.rows[0]?.others)];
  }

  const markers = new Map<string, number>();

  /**
   * Sends the batch, then a marker visit (to marker.test, an hour before day0) in a batch of
   * its own: in Kafka mode it follows the batch in the device's partition, so once the marker
   * is stored the batch was processed, even a resend that stores nothing. Then the device's
   * other visits must number `expected`.
   */
  async function send(device: DeviceRegistered, batch: Record<string, unknown>, expected: number) {
    expect((await postEvents(base, device.token, batch)).status).toBe(200);
    const marker = visit('marker.test', day0 - HOUR, 1000);
    expect((await postEvents(base, device.token, makeBatch([marker]))).status).toBe(200);
    const sent = (markers.get(device.deviceId) ?? 0) + 1;
    markers.set(device.deviceId, sent);
    await waitFor(async () => (await count(device.deviceId))[0] === sent, 'the marker stored');
    expect((await count(device.deviceId))[1]).toBe(expected);
  }

  async function rows(device: DeviceRegistered, from: number, to: number, tz = 'UTC') {
    const res = await summary(base, device.token, `from=${isoDay(from)}&to=${isoDay(to)}&tz=${tz}`);
    expect(res.status, res.text).toBe(200);
    return res.body.rows.filter((r) => r.domain !== 'marker.test');
  }

  /** The rollup equals what visits hold (per hour, device and domain). */
  async function expectRollupMatchesVisits(): Promise<void> {
    const sql = (from: string) => `SELECT hour, device_id, domain, active_ms::bigint, visits::bigint
      FROM ${from} ORDER BY 1, 2, 3`;
    const rollup = await stack.server.pool.query(sql('visit_rollup'));
    const fromVisits = await stack.server.pool.query(
      sql(`(SELECT date_trunc('hour', started_at, 'UTC') AS hour, device_id, domain,
                   sum(active_ms) AS active_ms, count(*) AS visits
              FROM visits GROUP BY 1, 2, 3) v`),
    );
    expect(rollup.rows).toEqual(fromVisits.rows);
    await expectSummaryDaysMatchVisits(stack.server.pool);
  }

  /** The v=2 answer for the range, checked against its schema, and expanded to a Summary. */
  async function compact(device: DeviceRegistered, from: number, to: number, tz = 'UTC') {
    const query = `from=${isoDay(from)}&to=${isoDay(to)}&tz=${tz}&v=2`;
    const res = await summary(base, device.token, query);
    expect(res.status, res.text).toBe(200);
    const parsed = CompactSummarySchema.parse(res.body);
    const expanded = expandSummary(parsed);
    if (expanded === null) throw new Error(`v=2 names a domain or device it does not list`);
    return { parsed, expanded };
  }

  it("counts a resent batch once and shows the person's devices only", async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => registerDevice(base)));
    if (!a || !b || !c) throw new Error('registration');
    await link(base, a.token, b.token);
    const batchA = makeBatch([
      visit('example.com', day0 + HOUR, 30_000),
      visit('example.com', day0 + 2 * HOUR, 10_000),
      visit('other.org', day0 + 3 * HOUR, 5_000),
      visit('example.com', day0 + DAY + HOUR, 7_000),
    ]);
    await send(a, batchA, 4);
    // The same batch again (the extension retrying after a lost answer): nothing more.
    await send(a, batchA, 4);
    // A batch with one visit resent and one new: only the new one counts.
    const again = batchA.events as VisitEvent[];
    await send(a, makeBatch([again[0], visit('other.org', day0 + 4 * HOUR, 1_000)]), 5);
    await send(b, makeBatch([visit('example.com', day0 + 5 * HOUR, 2_000)]), 1);
    await send(c, makeBatch([visit('example.com', day0 + 6 * HOUR, 4_000)]), 1);

    const expected = [
      {
        date: isoDay(day0),
        domain: 'example.com',
        deviceId: a.deviceId,
        activeMs: 40_000,
        visits: 2,
      },
      {
        date: isoDay(day0),
        domain: 'example.com',
        deviceId: b.deviceId,
        activeMs: 2_000,
        visits: 1,
      },
      { date: isoDay(day0), domain: 'other.org', deviceId: a.deviceId, activeMs: 6_000, visits: 2 },
      {
        date: isoDay(day0 + DAY),
        domain: 'example.com',
        deviceId: a.deviceId,
        activeMs: 7_000,
        visits: 1,
      },
    ].sort((x, y) =>
      `${x.date} ${x.domain} ${x.deviceId}`.localeCompare(`${y.date} ${y.domain} ${y.deviceId}`),
    );
    expect(await rows(a, day0, day0 + DAY)).toEqual(expected);
    // The compact answer (v=2) holds the same rows: day offsets, domain and device indexes.
    const { parsed, expanded } = await compact(a, day0, day0 + DAY);
    expect(expanded.rows.filter((r) => r.domain !== 'marker.test')).toEqual(expected);
    expect(parsed.rows.length).toBe(expanded.rows.length);
    expect(new Set(parsed.domains).size).toBe(parsed.domains.length);
    expect(
      SummarySchema.parse(
        (await summary(base, a.token, `from=${isoDay(day0)}&to=${isoDay(day0)}&tz=UTC`)).body,
      ),
    ).toBeTruthy();
    // b sees the same figures; c (alone) only its own.
    expect(await rows(b, day0, day0 + DAY)).toEqual(expected);
    expect(await rows(c, day0, day0 + DAY)).toEqual([
      {
        date: isoDay(day0),
        domain: 'example.com',
        deviceId: c.deviceId,
        activeMs: 4_000,
        visits: 1,
      },
    ]);
    const full = await summary(base, a.token, `from=${isoDay(day0)}&to=${isoDay(day0)}&tz=UTC`);
    expect(full.body.devices.map((d) => d.id).sort()).toEqual([a.deviceId, b.deviceId].sort());
    expect(full.body).toMatchObject({ from: isoDay(day0), to: isoDay(day0), tz: 'UTC' });
    expect(Date.parse(full.body.generatedAt)).toBeGreaterThan(Date.now() - 60_000);
    await expectRollupMatchesVisits();

    // Unlinked, neither sees the other's figures.
    await unlink(base, b.token);
    expect((await rows(a, day0, day0 + DAY)).map((r) => r.deviceId)).not.toContain(b.deviceId);
    expect((await rows(b, day0, day0 + DAY)).map((r) => r.deviceId)).toEqual([b.deviceId]);
  });

  it('takes erased visits out: a site, a range, a whole device', async () => {
    const [a, b] = await Promise.all([1, 2].map(() => registerDevice(base)));
    if (!a || !b) throw new Error('registration');
    await link(base, a.token, b.token);
    await send(
      a,
      makeBatch([
        visit('example.com', day0 + HOUR, 1_000),
        visit('www.example.com', day0 + HOUR, 2_000),
        visit('keep.org', day0 + HOUR, 4_000),
        visit('keep.org', day0 + 10 * HOUR, 8_000),
      ]),
      4,
    );
    await send(b, makeBatch([visit('keep.org', day0 + HOUR, 16_000)]), 1);
    const erase = (token: string, path: string) =>
      request(`${base}/api/v1/${path}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await erase(a.token, 'me/visits?domain=example.com')).status).toBe(200);
    const from = new Date(day0 + 9 * HOUR).toISOString();
    expect((await erase(a.token, `me/visits?from=${encodeURIComponent(from)}`)).status).toBe(200);
    expect(await rows(b, day0, day0)).toEqual(
      [
        {
          date: isoDay(day0),
          domain: 'keep.org',
          deviceId: a.deviceId,
          activeMs: 4_000,
          visits: 1,
        },
        {
          date: isoDay(day0),
          domain: 'keep.org',
          deviceId: b.deviceId,
          activeMs: 16_000,
          visits: 1,
        },
      ].sort((x, y) => x.deviceId.localeCompare(y.deviceId)),
    );
    await expectRollupMatchesVisits();
    expect((await erase(a.token, 'me')).status).toBe(200);
    expect((await rows(b, day0, day0)).map((r) => r.deviceId)).toEqual([b.deviceId]);
    const left = await stack.server.pool.query('SELECT 1 FROM visit_rollup WHERE device_id = $1', [
      a.deviceId,
    ]);
    expect(left.rowCount).toBe(0);
    await expectRollupMatchesVisits();
  });

  it('gives the days of the zone asked for; a :30 zone counts an hour by its start', async () => {
    const a = await registerDevice(base);
    await send(
      a,
      makeBatch([
        // 16:30 UTC is 01:30 the next day in Tokyo (UTC+9).
        visit('tz.test', day0 + 16.5 * HOUR, 1_000),
        // 18:10 UTC is 23:40 in Kolkata (UTC+5:30); 18:40 UTC is 00:10 the next day there, but
        // its hour (from 18:00 UTC, 23:30 there) starts on day0: it counts on day0.
        visit('kolkata.test', day0 + 18 * HOUR + 10 * 60_000, 2_000),
        visit('kolkata.test', day0 + 18 * HOUR + 40 * 60_000, 4_000),
        // 19:10 UTC: 00:40 the next day in Kolkata, in an hour that starts there at 00:30.
        visit('kolkata.test', day0 + 19 * HOUR + 10 * 60_000, 8_000),
      ]),
      4,
    );
    const pick = (list: Summary['rows'], domain: string) =>
      list.filter((r) => r.domain === domain).map((r) => [r.date, r.activeMs]);
    expect(pick(await rows(a, day0, day0 + DAY), 'tz.test')).toEqual([[isoDay(day0), 1_000]]);
    expect(pick(await rows(a, day0, day0 + DAY, 'Asia/Tokyo'), 'tz.test')).toEqual([
      [isoDay(day0 + DAY), 1_000],
    ]);
    expect(pick(await rows(a, day0, day0 + DAY, 'Asia/Kolkata'), 'kolkata.test')).toEqual([
      [isoDay(day0), 6_000],
      [isoDay(day0 + DAY), 8_000],
    ]);
    // Only the days asked for.
    expect(pick(await rows(a, day0 + DAY, day0 + DAY, 'Asia/Tokyo'), 'tz.test')).toEqual([
      [isoDay(day0 + DAY), 1_000],
    ]);
    // 16:30 UTC is 11:30 in New York (UTC-5 or -4): the same day; v=2 gives it as day 0.
    expect(pick(await rows(a, day0, day0 + DAY, 'America/New_York'), 'tz.test')).toEqual([
      [isoDay(day0), 1_000],
    ]);
    const tokyo = await compact(a, day0 + DAY, day0 + DAY, 'Asia/Tokyo');
    const i = tokyo.parsed.domains.indexOf('tz.test');
    expect(tokyo.parsed.rows.filter((r) => r[1] === i)).toEqual([[0, i, 0, 1_000, 1]]);
    expect(pick(await rows(a, day0, day0, 'Asia/Tokyo'), 'tz.test')).toEqual([]);
  });

  it('gives each local day once on the day a zone far east of UTC leaves summer time', async () => {
    const a = await registerDevice(base);
    // One visit an hour from 2026-04-03 to 2026-04-07 UTC, stored directly (older than the API
    // accepts). Pacific/Auckland goes from UTC+13 to UTC+12 at 2026-04-04 14:00 UTC, so two UTC
    // days have most of their hours on local 2026-04-05.
    await stack.server.pool.query(
      `INSERT INTO visits (id, started_at, ended_at, device_id, session_id, batch_id, url, domain,
         title, active_ms, transition, started_at_corrected, ended_at_corrected, clock_skew_ms,
         received_at)
       SELECT gen_random_uuid(), t, t + interval '1 minute', $1, gen_random_uuid(),
              gen_random_uuid(), 'https://auckland.test/', 'auckland.test', NULL,
              1000 + extract(hour FROM t)::int, 'link', t, t + interval '1 minute', 0, now()
         FROM generate_series('2026-04-03T00:10:00Z'::timestamptz, '2026-04-07T23:10:00Z',
                              interval '1 hour') AS t`,
      [a.deviceId],
    );
    for (const tz of ['Pacific/Auckland', 'Pacific/Chatham', 'America/New_York', 'UTC']) {
      const expected = await stack.server.pool.query<{ date: string; active: string; n: string }>(
        `SELECT to_char((started_at AT TIME ZONE $2)::date, 'YYYY-MM-DD') AS date,
                sum(active_ms) AS active, count(*) AS n
           FROM visits WHERE device_id = $1
            AND (started_at AT TIME ZONE $2)::date BETWEEN '2026-04-04' AND '2026-04-06'
          GROUP BY 1 ORDER BY 1`,
        [a.deviceId, tz],
      );
      const res = await summary(base, a.token, `from=2026-04-04&to=2026-04-06&tz=${tz}`);
      expect(res.status, res.text).toBe(200);
      expect(
        res.body.rows.map((r) => [r.date, r.activeMs, r.visits]),
        tz,
      ).toEqual(expected.rows.map((r) => [r.date, Number(r.active), Number(r.n)]));
    }
    await expectRollupMatchesVisits();
  });

  it.each([
    ['from=2026-01-02&to=2026-01-01&tz=UTC', /to: must not be before from/],
    ['from=2025-01-01&to=2026-02-05&tz=UTC', /at most 400 days/],
    ['from=2026-01-01&to=2026-01-02&tz=Mars/Olympus', /not an IANA time zone/],
    ['from=2026-01-01&to=2026-01-02&tz=%2B05:00', /not an IANA time zone/],
    ['from=2026-02-30&to=2026-03-02&tz=UTC', /from/],
    ['from=01/01/2026&to=2026-01-02&tz=UTC', /from/],
    ['from=2026-01-01&tz=UTC', /to/],
    ['from=2026-01-01&to=2026-01-02&tz=UTC&tz=UTC', /tz: give it once/],
    ['from=2026-01-01&to=2026-01-02&tz=UTC&device=x', /device/],
    ['from=2026-01-01&to=2026-01-02&tz=UTC&v=3', /v/],
    // PostgreSQL has no year 0; no visit starts before 1969-12-31 anywhere.
    ['from=0000-01-01&to=0000-01-01&tz=UTC', /from: must be a day from 1969-12-31/],
    ['from=0000-12-31&to=0001-01-01&tz=UTC', /from: must be a day from 1969-12-31/],
    ['from=1969-12-30&to=1969-12-31&tz=UTC', /from: must be a day from 1969-12-31/],
  ])('refuses %s with 400 and a message', async (query, message) => {
    const a = await registerDevice(base);
    const res = await summary(base, a.token, query);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'invalid_request' } });
    expect((res.body as unknown as { error: { message: string } }).error.message).toMatch(message);
  });

  it('answers 400 days, from and to included', async () => {
    const a = await registerDevice(base);
    const res = await summary(base, a.token, 'from=2025-01-01&to=2026-02-04&tz=UTC');
    expect(res.status, res.text).toBe(200);
  });
});
