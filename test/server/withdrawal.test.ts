/**
 * Withdrawal on real PostgreSQL: registration hands out a withdrawal secret; POST
 * /api/v1/withdraw with it erases the device as DELETE /api/v1/me does (its visits gone, its
 * token then 403 device_deleted), and again answers alreadyErased; a wrong secret, another
 * device's secret or an unknown id gets 403 withdrawal_refused and erases nothing. The page
 * GET /withdraw is served with a CSP that allows only its own inline script and style (by
 * hash) and echoes nothing of the request.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DeviceRegistered,
  DeviceRegisteredSchema,
  type ErrorBody,
  type WithdrawResult,
} from '#protocol';
import {
  makeBatch,
  makeEvent,
  postEvents,
  registerDevice,
  request,
  waitFor,
} from '../harness/client.js';
import { type Stack, startStack } from './modes.js';

describe('withdrawal', () => {
  let stack: Stack;
  let base: string;

  beforeAll(async () => {
    stack = await startStack('embedded');
    base = stack.server.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const visitsOf = async (deviceId: string): Promise<number> => {
    const r = await stack.server.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM visits WHERE device_id = $1',
      [deviceId],
    );
    return r.rows[0]?.n ?? -1;
  };

  const withdraw = (deviceId: string, secret: string) =>
    request<WithdrawResult & ErrorBody>(`${base}/api/v1/withdraw`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deviceId, secret }),
    });

  async function deviceWithVisits(
    n: number,
  ): Promise<DeviceRegistered & { withdrawalSecret: string }> {
    const device = await registerDevice(base);
    expect(DeviceRegisteredSchema.parse(device)).toEqual(device);
    expect(device.withdrawalSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const events = Array.from({ length: n }, () => makeEvent());
    const res = await postEvents(base, device.token, makeBatch(events));
    expect(res.status).toBe(200);
    await waitFor(async () => (await visitsOf(device.deviceId)) === n, 'visits stored');
    return device as DeviceRegistered & { withdrawalSecret: string };
  }

  it('stores only the hash of the withdrawal secret, apart from the token', async () => {
    const device = await registerDevice(base);
    expect(device.withdrawalSecret).toBeDefined();
    expect(device.token).not.toContain(device.withdrawalSecret);
    const r = await stack.server.pool.query<{ secret_hash: Buffer }>(
      'SELECT secret_hash FROM withdrawal_secrets WHERE device_id = $1',
      [device.deviceId],
    );
    const expected = createHash('sha256').update(String(device.withdrawalSecret)).digest();
    expect(r.rows[0]?.secret_hash.equals(expected)).toBe(true);
  });

  it('erases the device with the right secret: visits gone, token then 403', async () => {
    const device = await deviceWithVisits(3);
    const res = await withdraw(device.deviceId, device.withdrawalSecret);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      deviceId: device.deviceId,
      deletedVisits: 3,
      alreadyErased: false,
    });
    expect(await visitsOf(device.deviceId)).toBe(0);
    const devices = await stack.server.pool.query('SELECT 1 FROM devices WHERE id = $1', [
      device.deviceId,
    ]);
    expect(devices.rowCount).toBe(0);
    const after = await postEvents<ErrorBody>(base, device.token, makeBatch([makeEvent()]));
    expect(`${after.status} ${after.body.error?.code}`).toBe('403 device_deleted');
    const me = await request<ErrorBody>(`${base}/api/v1/me`, {
      headers: { authorization: `Bearer ${device.token}` },
    });
    expect(`${me.status} ${me.body.error?.code}`).toBe('403 device_deleted');

    const again = await withdraw(device.deviceId, device.withdrawalSecret);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      deviceId: device.deviceId,
      deletedVisits: 0,
      alreadyErased: true,
    });
  });

  it('refuses a wrong secret, another device’s secret and an unknown id, erasing nothing', async () => {
    const device = await deviceWithVisits(2);
    const other = await registerDevice(base);
    const attempts: Array<[string, string]> = [
      // The last character changed (a 43-character secret ends in 'A' one time in 16).
      [
        device.deviceId,
        `${device.withdrawalSecret.slice(0, -1)}${device.withdrawalSecret.endsWith('A') ? 'E' : 'A'}`,
      ],
      [device.deviceId, String(other.withdrawalSecret)],
      [device.deviceId, device.token],
      ['00000000-0000-4000-8000-000000000000', device.withdrawalSecret],
    ];
    for (const [id, secret] of attempts) {
      const res = await withdraw(id, secret);
      expect(`${res.status} ${res.body.error?.code}`).toBe('403 withdrawal_refused');
      expect(res.text).not.toContain(secret);
    }
    expect(await visitsOf(device.deviceId)).toBe(2);
    const me = await request(`${base}/api/v1/me`, {
      headers: { authorization: `Bearer ${device.token}` },
    });
    expect(me.status).toBe(200);
  });

  it('refuses a malformed body with 400 invalid_request', async () => {
    const res = await request<ErrorBody>(`${base}/api/v1/withdraw`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deviceId: 'not-a-uuid', secret: 'x' }),
    });
    expect(`${res.status} ${res.body.error?.code}`).toBe('400 invalid_request');
  });

  it('serves the page with a strict CSP that allows exactly its inline script and style', async () => {
    const res = await request(`${base}/withdraw`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-|https?:|\*/);

    const html = res.text;
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '');
    expect(scripts).toHaveLength(1);
    expect(styles).toHaveLength(1);
    const hash = (t: string) => `'sha256-${createHash('sha256').update(t).digest('base64')}'`;
    expect(directives.get('script-src')).toEqual([hash(scripts[0] ?? '')]);
    expect(directives.get('style-src')).toEqual([hash(styles[0] ?? '')]);
    // Valid JavaScript; reads the fragment, not the query string.
    expect(() => new Function(scripts[0] ?? '')).not.toThrow();
    expect(scripts[0]).toContain('location.hash');
    expect(scripts[0]).not.toContain('location.search');
    // Nothing external, and a word for those without JavaScript.
    expect(html).not.toMatch(/\s(src|href)=/);
    expect(html).toMatch(/<noscript>[\s\S]*nothing was erased[\s\S]*<\/noscript>/);
    expect(html).toContain('<button id="erase" type="button" disabled>');
  });

  it('echoes nothing of the request into the page', async () => {
    const device = await registerDevice(base);
    const secret = String(device.withdrawalSecret);
    const plain = await request(`${base}/withdraw`);
    const withQuery = await request(
      `${base}/withdraw?d=${device.deviceId}&s=${encodeURIComponent(secret)}`,
      { headers: { referer: `${base}/x?s=${secret}` } },
    );
    expect(withQuery.status).toBe(200);
    expect(withQuery.text).toBe(plain.text);
    expect(withQuery.text).not.toContain(secret);
    expect(withQuery.text).not.toContain(device.deviceId);
  });

  it('is described in the OpenAPI document', async () => {
    const res = await request<{ paths: Record<string, unknown> }>(`${base}/api/v1/openapi.json`);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/withdraw', '/withdraw']),
    );
  });
});
