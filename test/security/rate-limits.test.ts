/**
 * Rate limits hold per device and per address, whatever the attacker varies:
 * token spelling, route, a fresh registration, or a spoofed X-Forwarded-For
 * (the server trusts no proxy unless TRUST_PROXY says so). Each case runs its
 * own server with tiny limits set through the environment.
 */
import { describe, expect, it } from 'vitest';
import { makeBatch, makeEvent, postEvents, registerDevice, request } from '../harness/client.js';
import { startStack } from '../server/modes.js';
import { bearer, expectErrorBody } from './error-body.js';

describe('rate limits', () => {
  it('limits a device however its token is spelled, and leaves other devices alone', async () => {
    const stack = await startStack('embedded', {
      RATE_LIMIT_DEVICE_PER_MINUTE: '3',
      RATE_LIMIT_IP_PER_MINUTE: '1000',
    });
    try {
      const base = stack.server.url;
      const a = await registerDevice(base);
      const b = await registerDevice(base);
      const spellings = [`Bearer ${a.token}`, `bearer ${a.token}`, `BEARER   ${a.token}`];
      for (const authorization of spellings) {
        const res = await postEvents(base, '', makeBatch([makeEvent()]), {
          headers: { authorization },
        });
        expect(res.status).toBe(200);
      }
      const limited = await postEvents(base, a.token, makeBatch([makeEvent()]));
      expectErrorBody(limited, 'rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await postEvents(base, b.token, makeBatch([makeEvent()]))).status).toBe(200);
    } finally {
      await stack.stop();
    }
  });

  it('gives a device one allowance shared by /events and /me, not one per route', async () => {
    const stack = await startStack('embedded', {
      RATE_LIMIT_DEVICE_PER_MINUTE: '4',
      RATE_LIMIT_IP_PER_MINUTE: '1000',
    });
    try {
      const base = stack.server.url;
      const a = await registerDevice(base);
      const b = await registerDevice(base);
      const exportOf = (token: string) =>
        request(`${base}/api/v1/me/export`, { headers: bearer(token) });
      // Two of each: four requests, the whole allowance, split across the two routes.
      expect((await postEvents(base, a.token, makeBatch([makeEvent()]))).status).toBe(200);
      expect((await exportOf(a.token)).status).toBe(200);
      expect((await postEvents(base, a.token, makeBatch([makeEvent()]))).status).toBe(200);
      expect((await exportOf(a.token)).status).toBe(200);
      // Each route alone has been used only twice of four: a per-route limiter would let these by.
      const events = await postEvents(base, a.token, makeBatch([makeEvent()]));
      expectErrorBody(events, 'rate_limited');
      expect(Number(events.headers.get('retry-after'))).toBeGreaterThan(0);
      expectErrorBody(await exportOf(a.token), 'rate_limited');
      expectErrorBody(
        await request(`${base}/api/v1/me`, { method: 'DELETE', headers: bearer(a.token) }),
        'rate_limited',
      );
      // Another device keeps its own allowance.
      expect((await exportOf(b.token)).status).toBe(200);
      expect((await postEvents(base, b.token, makeBatch([makeEvent()]))).status).toBe(200);
    } finally {
      await stack.stop();
    }
  });

  it('limits an address across routes, devices and unauthenticated guesses, ignoring X-Forwarded-For', async () => {
    const stack = await startStack('embedded', {
      RATE_LIMIT_DEVICE_PER_MINUTE: '1000',
      RATE_LIMIT_IP_PER_MINUTE: '5',
    });
    try {
      const base = stack.server.url;
      const d = await registerDevice(base);
      const guesses = Array.from({ length: 4 }, (_, i) =>
        postEvents(base, `${d.deviceId}.${'A'.repeat(42)}${i}`, makeBatch([makeEvent()]), {
          headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
        }),
      );
      // One registration and four token guesses: the five this address may make.
      expect((await Promise.all(guesses)).map((r) => r.status)).toEqual([401, 401, 401, 401]);
      const spoofed = await postEvents(base, d.token, makeBatch([makeEvent()]), {
        headers: { 'x-forwarded-for': '198.51.100.7', forwarded: 'for=198.51.100.7' },
      });
      expectErrorBody(spoofed, 'rate_limited');
      expectErrorBody(
        await request(`${base}/api/v1/me/export`, { headers: bearer(d.token) }),
        'rate_limited',
      );
      await expect(registerDevice(base)).rejects.toThrow(/429/);
      // Operations endpoints stay reachable for monitoring.
      expect((await request(`${base}/healthz`)).status).toBe(200);
    } finally {
      await stack.stop();
    }
  });
});
