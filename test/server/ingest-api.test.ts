import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeviceRegistered, type ErrorBody, type IngestResult, LIMITS } from '#protocol';
import {
  makeBatch,
  makeEvent,
  postEvents,
  registerDevice,
  request,
  waitFor,
} from '../harness/client.js';
import { MODES, type Stack, startStack } from './modes.js';

async function storedCount(stack: Stack, ids: string[]): Promise<number> {
  const r = await stack.server.pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM visits WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return Number(r.rows[0]?.n);
}

/** Waits until exactly `expected` of the ids are stored (at once in embedded mode). */
async function expectStored(stack: Stack, ids: string[], expected = ids.length): Promise<void> {
  await waitFor(async () => (await storedCount(stack, ids)) >= expected, `${expected} rows stored`);
  expect(await storedCount(stack, ids)).toBe(expected);
}

function expectError(res: { status: number; body: unknown }, status: number, code: string): void {
  expect(res.status).toBe(status);
  const body = res.body as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(10);
}

describe.each(MODES)('ingest API (%s mode)', (mode) => {
  let stack: Stack;
  let device: DeviceRegistered;
  let base: string;

  beforeAll(async () => {
    stack = await startStack(mode);
    base = stack.server.url;
    device = await registerDevice(base);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  describe('POST /api/v1/devices', () => {
    it('registers a device and stores only a hash of its token', async () => {
      const d = await registerDevice(base);
      expect(d.deviceId).toMatch(/^[0-9a-f-]{36}$/);
      expect(d.token.startsWith(`${d.deviceId}.`)).toBe(true);
      const row = await stack.server.pool.query<{ token_hash: Buffer; ua_browser_name: string }>(
        'SELECT token_hash, ua_browser_name FROM devices WHERE id = $1',
        [d.deviceId],
      );
      expect(row.rows[0]?.token_hash.length).toBe(32);
      expect(row.rows[0]?.token_hash.toString('utf8')).not.toContain(d.token.split('.')[1]);
      expect(row.rows[0]?.ua_browser_name).toBe('Chrome');
    });

    it('answers 400 invalid_request naming the bad field', async () => {
      const res = await request(`${base}/api/v1/devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ extensionVersion: '1', browser: { name: 'Chrome' }, os: 'Linux' }),
      });
      expectError(res, 400, 'invalid_request');
      expect((res.body as ErrorBody).error.message).toContain('browser.version');
    });

    it.each([
      ['extensionVersion', { extensionVersion: '1\u0000' }],
      ['browser.name', { browser: { name: 'Chr\u0000me', version: '131.0' } }],
      ['browser.version', { browser: { name: 'Chrome', version: '\u0000' } }],
      ['os', { os: 'Linux\u0000' }],
      ['label', { label: 'my\u0000laptop' }],
    ])('answers 400 invalid_request naming %s when it holds a NUL', async (field, fields) => {
      const res = await request(`${base}/api/v1/devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          extensionVersion: '0.1.0',
          browser: { name: 'Chrome', version: '131.0' },
          os: 'Linux',
          ...fields,
        }),
      });
      expectError(res, 400, 'invalid_request');
      expect((res.body as ErrorBody).error.message).toContain(`${field}: `);
      expect((res.body as ErrorBody).error.message).toMatch(/NUL/);
    });

    it('answers 400 invalid_json for malformed JSON', async () => {
      const res = await request(`${base}/api/v1/devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"extensionVersion": ',
      });
      expectError(res, 400, 'invalid_json');
    });

    it('answers 415 for a body that is not JSON', async () => {
      const res = await request(`${base}/api/v1/devices`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      });
      expectError(res, 415, 'unsupported_media_type');
    });
  });

  describe('POST /api/v1/events', () => {
    it('stores a valid batch with the parsed user agent and both raw and corrected times', async () => {
      const events = [makeEvent(), makeEvent(), makeEvent()];
      // The device clock is one hour slow: sentAt lags the server's clock.
      const sentAt = new Date(Date.now() - 3_600_000);
      const res = await postEvents<IngestResult>(base, device.token, makeBatch(events, sentAt));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ accepted: 3, rejected: [], receivedAt: expect.any(String) });
      const ids = events.map((e) => e.id);
      await expectStored(stack, ids);
      const rows = await stack.server.pool.query<{
        id: string;
        started_at: Date;
        started_at_corrected: Date;
        clock_skew_ms: string;
        browser_name: string;
        os_name: string;
        device_id: string;
        received_at: Date;
      }>(
        'SELECT id, started_at, started_at_corrected, clock_skew_ms, browser_name, os_name, device_id, received_at FROM visits WHERE id = ANY($1::uuid[])',
        [ids],
      );
      for (const row of rows.rows) {
        // The answer's receivedAt is the batch's, as stored (the summary's watermarks compare it).
        expect(row.received_at.toISOString()).toBe(res.body.receivedAt);
        const sent = events.find((e) => e.id === row.id);
        expect(row.started_at.toISOString()).toBe(sent?.startedAt);
        const skew = Number(row.clock_skew_ms);
        expect(skew).toBeGreaterThanOrEqual(3_600_000);
        expect(skew).toBeLessThan(3_600_000 + 10_000);
        expect(row.started_at_corrected.getTime() - row.started_at.getTime()).toBe(skew);
        expect(row.browser_name).toBe('Firefox');
        expect(row.os_name).toBe('Linux');
        expect(row.device_id).toBe(device.deviceId);
      }
    });

    it('accepts a gzip-encoded batch', async () => {
      const events = [makeEvent(), makeEvent()];
      const res = await postEvents<IngestResult>(base, device.token, makeBatch(events), {
        gzip: true,
      });
      expect(res.status).toBe(200);
      expect(res.body.accepted).toBe(2);
      // Not kept, so no ETag: hashing each answer for one would cost every request.
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('etag')).toBeNull();
      await expectStored(
        stack,
        events.map((e) => e.id),
      );
    });

    it('stores the valid events of a batch and names the invalid one', async () => {
      const good1 = makeEvent();
      const bad = { ...makeEvent(), activeMs: 'ten seconds' };
      const good2 = makeEvent();
      const res = await postEvents<IngestResult>(
        base,
        device.token,
        makeBatch([good1, bad, good2]),
      );
      expect(res.status).toBe(200);
      expect(res.body.accepted).toBe(2);
      expect(res.body.rejected).toHaveLength(1);
      expect(res.body.rejected[0]).toMatchObject({ index: 1, id: bad.id, code: 'invalid_event' });
      expect(res.body.rejected[0]?.message).toContain('activeMs');
      await expectStored(stack, [good1.id, good2.id]);
      expect(await storedCount(stack, [bad.id])).toBe(0);
    });

    it('rejects events that break the limits, each with its reason', async () => {
      const now = Date.now();
      const cases = [
        makeEvent({ activeMs: 999_999_999 }),
        makeEvent({
          endedAt: new Date(now - 3_600_000).toISOString(),
          startedAt: new Date(now).toISOString(),
        }),
        makeEvent({ url: `https://example.com/${'a'.repeat(2100)}` }),
        makeEvent({ title: 't'.repeat(513) }),
        makeEvent({
          startedAt: new Date(now + 3 * 86_400_000).toISOString(),
          endedAt: new Date(now + 3 * 86_400_000 + 1000).toISOString(),
          activeMs: 1000,
        }),
        makeEvent({
          startedAt: '2001-01-01T00:00:00.000Z',
          endedAt: '2001-01-01T00:00:10.000Z',
          activeMs: 1000,
        }),
        { ...makeEvent(), extra: 'field' },
        { ...makeEvent(), id: 'not-a-uuid' },
        makeEvent({ url: 'javascript:alert(1)' }),
      ];
      const res = await postEvents<IngestResult>(base, device.token, makeBatch(cases));
      expect(res.status).toBe(200);
      expect(res.body.accepted).toBe(0);
      expect(res.body.rejected.map((r) => [r.index, r.code])).toEqual([
        [0, 'invalid_event'],
        [1, 'invalid_event'],
        [2, 'invalid_event'],
        [3, 'invalid_event'],
        [4, 'in_future'],
        [5, 'too_old'],
        [6, 'invalid_event'],
        [7, 'invalid_event'],
        [8, 'invalid_event'],
      ]);
      expect(res.body.rejected[1]?.message).toContain('before startedAt');
      expect(res.body.rejected[7]?.id).toBe('not-a-uuid');
    });

    it('refuses a visit claiming more active time than LIMITS.maxVisitActiveMs, naming the field and the limit', async () => {
      const day = 86_400_000;
      const end = Date.now() - 60_000;
      const visit = (spanDays: number, activeDays: number) =>
        makeEvent({
          startedAt: new Date(end - spanDays * day).toISOString(),
          endedAt: new Date(end).toISOString(),
          activeMs: activeDays * day,
        });
      // All within retention (395 days): before the bound, all three were stored.
      const yearActive = visit(394, 394);
      // A page pinned for a year earns active time only while attended: its span is not bounded.
      const yearPinned = visit(394, 2);
      const monthActive = visit(31, 31);
      const res = await postEvents<IngestResult>(
        base,
        device.token,
        makeBatch([yearActive, yearPinned, monthActive]),
      );
      expect(res.status).toBe(200);
      expect(res.body.rejected).toEqual([
        {
          index: 0,
          id: yearActive.id,
          code: 'invalid_event',
          message: `activeMs: must be at most ${LIMITS.maxVisitActiveMs} ms (31 days, LIMITS.maxVisitActiveMs)`,
        },
      ]);
      expect(res.body.accepted).toBe(2);
      await expectStored(stack, [yearPinned.id, monthActive.id]);
      expect(await storedCount(stack, [yearActive.id])).toBe(0);
    });

    it('redacts sensitive query parameters, userinfo and fragments again on the server', async () => {
      const e = makeEvent({
        url: 'https://user:pw@example.com/a?x=1&access_token=s3cret&sessionId=9#frag',
      });
      const res = await postEvents<IngestResult>(base, device.token, makeBatch([e]));
      expect(res.body.accepted).toBe(1);
      await expectStored(stack, [e.id]);
      const row = await stack.server.pool.query<{ url: string }>(
        'SELECT url FROM visits WHERE id = $1',
        [e.id],
      );
      expect(row.rows[0]?.url).toBe('https://example.com/a?x=1');
    });

    it("refuses an event whose domain is not its url's host, and stores a domain without url", async () => {
      const forged = makeEvent({ url: 'https://evil.example/login', domain: 'bank.example' });
      const alone = makeEvent({ url: null, domain: 'bank.example' });
      const res = await postEvents<IngestResult>(base, device.token, makeBatch([forged, alone]));
      expect(res.status).toBe(200);
      expect(res.body.accepted).toBe(1);
      expect(res.body.rejected).toEqual([
        {
          index: 0,
          id: forged.id,
          code: 'invalid_event',
          message: 'domain: "bank.example" is not the host of url ("evil.example")',
        },
      ]);
      await expectStored(stack, [alone.id]);
      expect(await storedCount(stack, [forged.id])).toBe(0);
    });

    it.each([
      ['730 days behind', -730 * 86_400_000],
      ['80 years ahead', 80 * 365 * 86_400_000],
    ])(
      'refuses a batch from a device clock %s with 400 clock_skew and stores nothing',
      async (_name, offsetMs) => {
        // The device's times are all off alike: corrected, they would be recent.
        const at = (ms: number): string => new Date(ms + offsetMs).toISOString();
        const now = Date.now();
        const e = makeEvent({ startedAt: at(now - 60_000), endedAt: at(now - 30_000) });
        const res = await postEvents(
          base,
          device.token,
          makeBatch([e], new Date(Date.now() + offsetMs)),
        );
        expectError(res, 400, 'clock_skew');
        expect((res.body as ErrorBody).error.message).toContain('30 days');
        // In Kafka mode a stored row would come later: an accepted event after it is the marker.
        const marker = makeEvent();
        expect((await postEvents(base, device.token, makeBatch([marker]))).status).toBe(200);
        await expectStored(stack, [marker.id]);
        expect(await storedCount(stack, [e.id])).toBe(0);
      },
    );

    it('corrects a device clock 29 days behind (the default bound is 30 days)', async () => {
      const offsetMs = -29 * 86_400_000;
      const now = Date.now();
      const at = (ms: number): string => new Date(ms + offsetMs).toISOString();
      const e = makeEvent({ startedAt: at(now - 60_000), endedAt: at(now - 30_000) });
      const res = await postEvents<IngestResult>(
        base,
        device.token,
        makeBatch([e], new Date(now + offsetMs)),
      );
      expect(res.body).toEqual({ accepted: 1, rejected: [], receivedAt: expect.any(String) });
      await expectStored(stack, [e.id]);
    });

    it('refuses per event the times PostgreSQL cannot read, and stores the rest of the batch', async () => {
      const now = Date.now();
      /** The instant ms written with a UTC offset of hh:mm (sign in hh). */
      const withOffset = (ms: number, hh: number, mm: number): string => {
        const local = new Date(ms + Math.sign(hh) * (Math.abs(hh) * 60 + mm) * 60_000);
        const sign = hh < 0 ? '-' : '+';
        return `${local.toISOString().slice(0, -1)}${sign}${String(Math.abs(hh)).padStart(2, '0')}:${String(mm).padStart(2, '0')}`;
      };
      const cases = [
        makeEvent({
          startedAt: '0000-01-01T00:00:00.000Z',
          endedAt: '0000-01-01T00:00:10.000Z',
          activeMs: 0,
        }),
        makeEvent({ startedAt: withOffset(now - 120_000, 16, 0), activeMs: 0 }),
        makeEvent({ endedAt: withOffset(now - 30_000, -23, 59), activeMs: 0 }),
        makeEvent({ startedAt: withOffset(now - 120_000, 15, 59), activeMs: 0 }),
        makeEvent({ startedAt: withOffset(now - 120_000, -15, 59), activeMs: 0 }),
      ];
      const res = await postEvents<IngestResult>(base, device.token, makeBatch(cases));
      expect(res.status).toBe(200);
      expect(res.body.rejected.map((r) => [r.index, r.code])).toEqual([
        [0, 'invalid_event'],
        [1, 'invalid_event'],
        [2, 'invalid_event'],
      ]);
      expect(res.body.rejected.map((r) => r.message.split(':')[0])).toEqual([
        'startedAt',
        'startedAt',
        'endedAt',
      ]);
      await expectStored(stack, [cases[3]?.id ?? '', cases[4]?.id ?? '']);
    });

    it('stores an id once when a batch repeats it upper-cased or with a start apart by microseconds', async () => {
      const e = makeEvent();
      const start = Date.parse(e.startedAt);
      const micro = (us: number): string =>
        `${new Date(start).toISOString().slice(0, -1)}${String(us).padStart(3, '0')}Z`;
      const res = await postEvents<IngestResult>(
        base,
        device.token,
        makeBatch([
          e,
          { ...e, id: e.id.toUpperCase(), startedAt: micro(1) },
          { ...e, startedAt: micro(2) },
          { ...e, id: e.id.toUpperCase() },
        ]),
      );
      expect(res.status).toBe(200);
      expect(res.body.rejected.map((r) => [r.index, r.code])).toEqual([
        [1, 'invalid_event'],
        [2, 'invalid_event'],
      ]);
      await expectStored(stack, [e.id], 1);
      const marker = makeEvent();
      await postEvents(base, device.token, makeBatch([marker]));
      await expectStored(stack, [marker.id]);
      expect(await storedCount(stack, [e.id])).toBe(1);
    });

    it('stores an id sent twice in one batch once', async () => {
      const e = makeEvent();
      const res = await postEvents<IngestResult>(base, device.token, makeBatch([e, e]));
      expect(res.status).toBe(200);
      await expectStored(stack, [e.id], 1);
    });

    it('answers 400 invalid_json for malformed JSON and stores nothing', async () => {
      const res = await postEvents(base, device.token, null, {
        rawBody: '{"batchId": "x", "events": [',
      });
      expectError(res, 400, 'invalid_json');
    });

    it('answers 400 invalid_batch for a wrong envelope', async () => {
      expectError(
        await postEvents(base, device.token, { events: [makeEvent()] }),
        400,
        'invalid_batch',
      );
      expectError(await postEvents(base, device.token, makeBatch([])), 400, 'invalid_batch');
      const tooMany = Array.from({ length: 501 }, () => makeEvent());
      const res = await postEvents(base, device.token, makeBatch(tooMany));
      expectError(res, 400, 'invalid_batch');
      expect(
        await storedCount(
          stack,
          tooMany.map((e) => e.id),
        ),
      ).toBe(0);
    });

    it('answers 413 for a body over 1 MiB, and for a gzip bomb', async () => {
      const big = makeBatch([makeEvent({ title: 'x'.repeat(500) })]);
      const padded = JSON.stringify({ ...big, pad: ' '.repeat(1024 * 1024) });
      expectError(
        await postEvents(base, device.token, null, { rawBody: padded }),
        413,
        'payload_too_large',
      );
      const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
      expect(bomb.length).toBeLessThan(100 * 1024);
      const res = await postEvents(base, device.token, null, {
        rawBody: bomb,
        headers: { 'content-encoding': 'gzip' },
      });
      expectError(res, 413, 'payload_too_large');
    });

    it('answers 400 for a broken gzip stream', async () => {
      const gz = gzipSync(JSON.stringify(makeBatch([makeEvent()])));
      const broken = Buffer.concat([gz.subarray(0, 20), Buffer.from('garbage-garbage-garbage')]);
      const res = await postEvents(base, device.token, null, {
        rawBody: broken,
        headers: { 'content-encoding': 'gzip' },
      });
      expectError(res, 400, 'invalid_json');
      expect((res.body as ErrorBody).error.message).toMatch(/gzip|decompress|header|check/i);
    });

    it('reads deflate and br bodies, and a UTF-8 byte order mark', async () => {
      const json = JSON.stringify(makeBatch([makeEvent()]));
      for (const [encoding, body] of [
        ['deflate', deflateSync(json)],
        ['br', brotliCompressSync(json)],
        ['gzip', gzipSync(`\ufeff${json}`)],
      ] as const) {
        const res = await postEvents(base, device.token, null, {
          rawBody: body,
          headers: { 'content-encoding': encoding },
        });
        expect(res.status, encoding).toBe(200);
        expect((res.body as IngestResult).accepted).toBe(1);
      }
    });

    it('answers 415 for an unknown content encoding or content type', async () => {
      const batch = makeBatch([makeEvent()]);
      expectError(
        await postEvents(base, device.token, batch, {
          headers: { 'content-encoding': 'compress' },
        }),
        415,
        'unsupported_media_type',
      );
      expectError(
        await postEvents(base, device.token, batch, { contentType: 'text/plain' }),
        415,
        'unsupported_media_type',
      );
    });

    it('answers 401 for a missing, malformed or wrong token', async () => {
      const batch = makeBatch([makeEvent()]);
      const noAuth = await request(`${base}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch),
      });
      expectError(noAuth, 401, 'unauthorized');
      expectError(await postEvents(base, 'nonsense', batch), 401, 'unauthorized');
      const forged = `${device.deviceId}.${'A'.repeat(43)}`;
      expectError(await postEvents(base, forged, batch), 401, 'unauthorized');
      const unknown = `00000000-0000-4000-8000-000000000000.${'A'.repeat(43)}`;
      expectError(await postEvents(base, unknown, batch), 401, 'unauthorized');
    });
  });

  describe('export and erase', () => {
    it("exports the device record and exactly this device's visits as NDJSON", async () => {
      const me = await registerDevice(base);
      const other = await registerDevice(base);
      const mine = [makeEvent(), makeEvent()];
      await postEvents(base, me.token, makeBatch(mine));
      const theirs = makeEvent();
      await postEvents(base, other.token, makeBatch([theirs]));
      await expectStored(stack, [...mine.map((e) => e.id), theirs.id]);
      const res = await request(`${base}/api/v1/me/export`, {
        headers: { authorization: `Bearer ${me.token}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/x-ndjson');
      const lines = res.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; id: string });
      expect(lines[0]).toMatchObject({ type: 'device', id: me.deviceId });
      expect(
        lines
          .slice(1)
          .map((l) => l.id)
          .sort(),
      ).toEqual(mine.map((e) => e.id).sort());
      expect(lines.every((l) => l.type === (l === lines[0] ? 'device' : 'visit'))).toBe(true);
    });

    it("erases the device's visits, then refuses its token", async () => {
      const me = await registerDevice(base);
      const other = await registerDevice(base);
      const mine = [makeEvent(), makeEvent(), makeEvent()];
      const theirs = makeEvent();
      await postEvents(base, me.token, makeBatch(mine));
      await postEvents(base, other.token, makeBatch([theirs]));
      await expectStored(stack, [...mine.map((e) => e.id), theirs.id]);

      const res = await request(`${base}/api/v1/me`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${me.token}` },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ deletedVisits: 3 });
      expect(
        await storedCount(
          stack,
          mine.map((e) => e.id),
        ),
      ).toBe(0);
      expect(await storedCount(stack, [theirs.id])).toBe(1);
      const dev = await stack.server.pool.query('SELECT 1 FROM devices WHERE id = $1', [
        me.deviceId,
      ]);
      expect(dev.rowCount).toBe(0);

      expectError(
        await postEvents(base, me.token, makeBatch([makeEvent()])),
        403,
        'device_deleted',
      );
      const exp = await request(`${base}/api/v1/me/export`, {
        headers: { authorization: `Bearer ${me.token}` },
      });
      expectError(exp, 403, 'device_deleted');
      const again = await request(`${base}/api/v1/me`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${me.token}` },
      });
      expectError(again, 403, 'device_deleted');
    });
  });

  describe('operations', () => {
    it('/healthz and /readyz answer 200 while dependencies are up', async () => {
      expect((await request(`${base}/healthz`)).status).toBe(200);
      const ready = await request<{ checks: Record<string, boolean> }>(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(ready.body.checks.postgres).toBe(true);
      if (mode === 'kafka') expect(ready.body.checks.kafka).toBe(true);
    });

    it('/metrics exposes request and event counters in Prometheus text', async () => {
      const res = await request(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/^tracksphere_events_accepted_total \d+/m);
      expect(res.text).toContain('tracksphere_events_rejected_total{code="invalid_event"}');
      expect(res.text).toContain(
        'tracksphere_http_requests_total{method="POST",route="/api/v1/events/"',
      );
      expect(res.text).toContain('tracksphere_deliver_duration_seconds_bucket');
      if (mode === 'kafka') expect(res.text).toContain('tracksphere_consumer_batch_size_bucket');
    });

    it('serves the OpenAPI document generated from the schemas', async () => {
      const res = await request<{
        openapi: string;
        paths: Record<string, unknown>;
        components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
      }>(`${base}/api/v1/openapi.json`);
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
      expect(Object.keys(res.body.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/devices',
          '/api/v1/events',
          '/api/v1/me/export',
          '/api/v1/me',
        ]),
      );
      expect(Object.keys(res.body.components.schemas.VisitEvent?.properties ?? {})).toEqual(
        expect.arrayContaining(['id', 'url', 'domain', 'startedAt', 'activeMs', 'sessionId']),
      );
    });

    it('answers CORS for extension origins only', async () => {
      const pre = (origin: string) =>
        fetch(`${base}/api/v1/events`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization,content-type',
          },
        });
      const ok = await pre('chrome-extension://abcdefghijklmnopabcdefghijklmnop');
      expect(ok.headers.get('access-control-allow-origin')).toBe(
        'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
      );
      const moz = await pre('moz-extension://1b2c3d4e-aaaa-bbbb-cccc-111122223333');
      expect(moz.headers.get('access-control-allow-origin')).toBe(
        'moz-extension://1b2c3d4e-aaaa-bbbb-cccc-111122223333',
      );
      const evil = await pre('https://evil.example');
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('answers 404 not_found with the error body for unknown routes', async () => {
      expectError(await request(`${base}/api/v1/nope`), 404, 'not_found');
    });
  });
});

describe('configuration-dependent behaviour', () => {
  it('requires the enrollment key when one is configured', async () => {
    const stack = await startStack('embedded', { ENROLLMENT_KEY: 'team-key-123' });
    try {
      const base = stack.server.url;
      await expect(registerDevice(base)).rejects.toThrow(/403/);
      await expect(registerDevice(base, { enrollmentKey: 'wrong' })).rejects.toThrow(
        /enrollment_required/,
      );
      const d = await registerDevice(base, { enrollmentKey: 'team-key-123' });
      expect(d.token).toContain('.');
    } finally {
      await stack.stop();
    }
  });

  it('refuses year 0000 per event when MAX_CLOCK_SKEW_DAYS would correct it into range', async () => {
    const stack = await startStack('embedded', { MAX_CLOCK_SKEW_DAYS: '3650000' });
    try {
      const base = stack.server.url;
      const d = await registerDevice(base);
      const e = makeEvent({
        startedAt: '0000-01-01T00:00:00.000Z',
        endedAt: '0000-01-01T00:00:10.000Z',
        activeMs: 0,
      });
      const old = makeEvent({
        startedAt: '1970-01-01T00:00:00.000Z',
        endedAt: '1970-01-01T00:00:10.000Z',
        activeMs: 0,
      });
      const res = await postEvents<IngestResult>(
        base,
        d.token,
        makeBatch([e], new Date('0000-01-01T00:01:00.000Z')),
      );
      expect(res.status).toBe(200);
      expect(res.body.rejected.map((r) => [r.index, r.code])).toEqual([[0, 'invalid_event']]);
      // A device clock stuck at the epoch is still corrected, and its row is readable.
      const epoch = await postEvents<IngestResult>(
        base,
        d.token,
        makeBatch([old], new Date('1970-01-01T00:01:00.000Z')),
      );
      expect(epoch.body).toEqual({ accepted: 1, rejected: [], receivedAt: expect.any(String) });
      const row = await stack.server.pool.query<{ started_at_corrected: Date }>(
        'SELECT started_at_corrected FROM visits WHERE id = $1',
        [old.id],
      );
      expect(
        Math.abs((row.rows[0]?.started_at_corrected.getTime() ?? 0) - Date.now()),
      ).toBeLessThan(120_000);
    } finally {
      await stack.stop();
    }
  });

  it('limits requests per device with 429 and Retry-After', async () => {
    const stack = await startStack('embedded', { RATE_LIMIT_DEVICE_PER_MINUTE: '3' });
    try {
      const base = stack.server.url;
      const a = await registerDevice(base);
      const b = await registerDevice(base);
      for (let i = 0; i < 3; i++) {
        expect((await postEvents(base, a.token, makeBatch([makeEvent()]))).status).toBe(200);
      }
      const limited = await postEvents(base, a.token, makeBatch([makeEvent()]));
      expectError(limited, 429, 'rate_limited');
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Another device is not affected.
      expect((await postEvents(base, b.token, makeBatch([makeEvent()]))).status).toBe(200);
    } finally {
      await stack.stop();
    }
  });
});
