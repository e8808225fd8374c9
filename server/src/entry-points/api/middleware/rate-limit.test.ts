import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixedWindowLimit, perDeviceLimit, perIpLimit } from './rate-limit.js';

describe('the per-address and per-device limits', () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  async function serve(limit: RequestHandler): Promise<string> {
    const app = express();
    app.use((_req, res, next) => {
      res.locals.deviceId = 'd1';
      next();
    });
    app.use(limit);
    app.post('/x', (_req, res) => {
      res.json({ ok: true });
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => server.close());
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  }

  it('answers the draft-7 headers, then 429 rate_limited with Retry-After past the limit', async () => {
    const url = await serve(perIpLimit(2));
    const first = await fetch(url, { method: 'POST' });
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('2;w=60');
    expect(first.headers.get('ratelimit')).toMatch(/^limit=2, remaining=1, reset=(59|60)$/);
    const second = await fetch(url, { method: 'POST' });
    expect(second.status).toBe(200);
    expect(second.headers.get('ratelimit')).toMatch(/^limit=2, remaining=0, reset=(59|60)$/);
    const third = await fetch(url, { method: 'POST' });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toMatch(/^(59|60)$/);
    expect(third.headers.get('ratelimit')).toMatch(/^limit=2, remaining=0, reset=/);
    const body = (await third.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toMatch(/from this address; retry after (59|60) s/);
  });

  it("starts a key's window at its first request and a new one once it has passed", async () => {
    let t = 1_000_000;
    const limit = fixedWindowLimit(1, (_req, locals) => String(locals.deviceId), 'device', {
      windowMs: 10_000,
      now: () => t,
    });
    const url = await serve(limit);
    expect((await fetch(url, { method: 'POST' })).status).toBe(200);
    t += 9_999;
    const refused = await fetch(url, { method: 'POST' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    t += 1;
    const again = await fetch(url, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(again.headers.get('ratelimit')).toBe('limit=1, remaining=0, reset=10');
  });

  it('counts each key on its own', async () => {
    const seen: string[] = [];
    const limit = fixedWindowLimit(1, (req) => String(req.headers['x-key']), 'device');
    const url = await serve(limit);
    for (const key of ['a', 'b', 'a']) {
      const r = await fetch(url, { method: 'POST', headers: { 'x-key': key } });
      seen.push(`${key}:${r.status}`);
    }
    expect(seen).toEqual(['a:200', 'b:200', 'a:429']);
  });

  // What makes it cheap on every device request: no await between the request and the next
  // handler (express-rate-limit's middleware is async and calls next a few microtasks later).
  /**
   * Calls `limit` as Express would for a request from `ip`, and says whether it passed by the
   * time the call returned; the headers it sets go to `headers`.
   */
  function passes(limit: RequestHandler, ip: string, headers = new Map<string, string>()): boolean {
    let passed = false;
    const res = {
      locals: { deviceId: 'd1' },
      headersSent: false,
      setHeader(name: string, value: string) {
        headers.set(name.toLowerCase(), value);
        return res;
      },
      status: () => res,
      set: () => res,
      json: () => res,
    } as unknown as Response;
    const req = { ip, headers: {}, app: { get: () => false } } as unknown as Request;
    void limit(req, res, () => {
      passed = true;
    });
    return passed;
  }

  it('passes an allowed request on before it returns', () => {
    const headers = new Map<string, string>();
    for (const limit of [perDeviceLimit(5), perIpLimit(5)]) {
      expect(passes(limit, '127.0.0.1', headers)).toBe(true);
    }
    expect(headers.get('ratelimit')).toMatch(/^limit=5, remaining=4, reset=(59|60)$/);
  });

  it('starts a new window when the clock is set back, not one as long as the step', async () => {
    let t = 5_000_000;
    const limit = fixedWindowLimit(1, (_req, locals) => String(locals.deviceId), 'device', {
      windowMs: 10_000,
      now: () => t,
    });
    const url = await serve(limit);
    expect((await fetch(url, { method: 'POST' })).status).toBe(200);
    t -= 3_600_000;
    const after = await fetch(url, { method: 'POST' });
    expect(after.status).toBe(200);
    expect(after.headers.get('ratelimit')).toBe('limit=1, remaining=0, reset=10');
  });

  it('forgets a key unseen for a whole window, and keeps one seen in it', () => {
    vi.useFakeTimers({ toFake: ['setInterval'] });
    try {
      const limit = fixedWindowLimit(5, (req) => String(req.ip), 'address', { windowMs: 1_000 });
      for (let i = 0; i < 1_000; i++) passes(limit, `10.0.${i >> 8}.${i & 255}`);
      expect(limit.keyCount()).toBe(1_000);
      vi.advanceTimersByTime(1_000);
      passes(limit, '10.0.0.1');
      expect(limit.keyCount()).toBe(1_000);
      vi.advanceTimersByTime(1_000);
      expect(limit.keyCount()).toBe(1);
      vi.advanceTimersByTime(2_000);
      expect(limit.keyCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('counts the addresses of one IPv6 /56 together, and each /56 on its own', () => {
    const limit = perIpLimit(1);
    expect(passes(limit, '2001:db8:0:100::1')).toBe(true);
    expect(passes(limit, '2001:db8:0:1ff:ffff::2')).toBe(false);
    expect(passes(limit, '2001:db8:0:200::1')).toBe(true);
  });
});
