/**
 * Guessing link codes (issue 18): wrong codes are limited per device and per address, a right
 * code costs no try, and a guesser links to no one. Each limit gets a server of its own (the
 * counters live in the API process).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { registerDevice } from '../harness/client.js';
import { issueCode, linkOf, redeem } from './link-kit.js';
import { type Stack, startStack } from './modes.js';

/** A well-formed code that is (almost surely) no one's. */
function guess(i: number): string {
  return `GUESS${String(i).padStart(3, '2').replace(/[01]/g, '2')}`.slice(0, 8);
}

describe('link code tries', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('gives a device 10 wrong codes in 10 minutes, then 429 even for the right one', async () => {
    stack = await startStack('embedded');
    const base = stack.server.url;
    const a = await registerDevice(base);
    const b = await registerDevice(base);
    const { code } = (await issueCode(base, a.token)).body;
    // A right code costs no try: b links, then (linked already) guesses.
    expect((await redeem(base, b.token, code)).status).toBe(200);
    for (let i = 0; i < 10; i++) {
      const res = await redeem(base, b.token, guess(i));
      expect(res.status, `try ${i + 1}`).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'invalid_link_code' } });
    }
    const c = await registerDevice(base);
    const next = (await issueCode(base, c.token)).body.code;
    const refused = await redeem(base, b.token, next);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
    // The refused code was not used: another device still can.
    const d = await registerDevice(base);
    expect((await redeem(base, d.token, next)).status).toBe(200);
    // b stayed linked to a only.
    expect((await linkOf(base, b.token)).body.devices).toHaveLength(2);
  });

  it('gives an address 30 wrong codes in 10 minutes, whichever devices try them', async () => {
    stack = await startStack('embedded');
    const base = stack.server.url;
    const devices = await Promise.all([1, 2, 3, 4].map(() => registerDevice(base)));
    let tries = 0;
    for (const device of devices.slice(0, 3)) {
      for (let i = 0; i < 10; i++) {
        expect((await redeem(base, device.token, guess(tries++))).status).toBe(400);
      }
    }
    const fourth = devices[3];
    if (fourth === undefined) throw new Error('registration');
    const res = await redeem(base, fourth.token, guess(tries));
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ error: { code: 'rate_limited' } });
    for (const device of devices) {
      expect((await linkOf(base, device.token)).body.personId).toBeNull();
    }
  });
});
