/**
 * The cap on browsers one person links (LINK_MAX_BROWSERS): a link past it is refused with 403
 * link_limit and changes nothing, a merge is counted whole, two links at once cannot both pass
 * it, and a right code refused by it stays usable and costs no wrong try; a device gets 20
 * such refusals per 10 minutes (each takes the link lock), then 429.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRegistered, ErrorBody } from '#protocol';
import { registerDevice } from '../harness/client.js';
import { idsOf, issueCode, link, linkOf, redeem, unlink } from './link-kit.js';
import { type Stack, startStack } from './modes.js';

const CAP = 3;

describe('browsers linked to one person', () => {
  let stack: Stack;
  let base: string;
  beforeAll(async () => {
    stack = await startStack('embedded', { LINK_MAX_BROWSERS: String(CAP) });
    base = stack.server.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const devices = (n: number): Promise<DeviceRegistered[]> =>
    Promise.all(Array.from({ length: n }, () => registerDevice(base)));

  function expectLinkLimit(res: { status: number; body: unknown }, browsers: number): void {
    expect(res.status).toBe(403);
    const { error } = res.body as ErrorBody;
    expect(error.code).toBe('link_limit');
    expect(error.message).toContain(`at most ${CAP} (LINK_MAX_BROWSERS)`);
    expect(error.details).toEqual({ browsers, maxBrowsers: CAP });
  }

  it('refuses the browser past the cap; the code stays usable and the refusals cost no try', async () => {
    const [a, b, c, d] = await devices(4);
    if (a === undefined || b === undefined || c === undefined || d === undefined) throw new Error();
    await link(base, a.token, b.token);
    await link(base, a.token, c.token);
    const { code } = (await issueCode(base, a.token)).body;
    // More refusals than the 10 wrong codes a device may try: a right code is no wrong try.
    for (let i = 0; i < 11; i++) expectLinkLimit(await redeem(base, d.token, code), CAP + 1);
    expect(idsOf((await linkOf(base, a.token)).body)).toEqual(
      [a, b, c].map((x) => x.deviceId).sort(),
    );
    expect((await linkOf(base, d.token)).body.personId).toBeNull();
    // Linking again within the person changes nothing, so the cap does not refuse it.
    const again = await redeem(base, b.token, (await issueCode(base, c.token)).body.code);
    expect(again.status).toBe(200);
    // With a browser unlinked, the same code links.
    expect((await unlink(base, a.token, c.deviceId)).status).toBe(200);
    const res = await redeem(base, d.token, code);
    expect(res.status).toBe(200);
    expect(idsOf(res.body)).toEqual([a, b, d].map((x) => x.deviceId).sort());
  });

  it('gives a device at the cap 20 refusals of a right code in 10 minutes, then 429', async () => {
    const [a, b, c, d] = await devices(4);
    if (a === undefined || b === undefined || c === undefined || d === undefined) throw new Error();
    await link(base, a.token, b.token);
    await link(base, a.token, c.token);
    const { code } = (await issueCode(base, a.token)).body;
    for (let i = 0; i < 20; i++) {
      expectLinkLimit(await redeem(base, d.token, code), CAP + 1);
    }
    const refused = await redeem(base, d.token, code);
    expect(refused.status).toBe(429);
    expect((refused.body as unknown as ErrorBody).error.code).toBe('rate_limited');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    // Another device at the cap has its own count.
    const [e] = await devices(1);
    if (e === undefined) throw new Error();
    expectLinkLimit(await redeem(base, e.token, code), CAP + 1);
  });

  it('counts a merge whole: two persons of two browsers do not merge under a cap of three', async () => {
    const [a, b, c, d] = await devices(4);
    if (a === undefined || b === undefined || c === undefined || d === undefined) throw new Error();
    await link(base, a.token, b.token);
    await link(base, c.token, d.token);
    expectLinkLimit(await redeem(base, c.token, (await issueCode(base, a.token)).body.code), 4);
    expect(idsOf((await linkOf(base, a.token)).body)).toEqual([a.deviceId, b.deviceId].sort());
    expect(idsOf((await linkOf(base, c.token)).body)).toEqual([c.deviceId, d.deviceId].sort());
  });

  it('lets only one of two links at once take the last place', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b, c, d] = await devices(4);
      if (a === undefined || b === undefined || c === undefined || d === undefined) {
        throw new Error();
      }
      await link(base, a.token, b.token);
      // Two codes of the person, each its own issuer's (one live code per browser).
      const [codeA, codeB] = await Promise.all([
        issueCode(base, a.token),
        issueCode(base, b.token),
      ]);
      const answers = await Promise.all([
        redeem(base, c.token, codeA.body.code),
        redeem(base, d.token, codeB.body.code),
      ]);
      expect(answers.map((r) => r.status).sort(), `round ${round}`).toEqual([200, 403]);
      const refused = answers.find((r) => r.status === 403);
      if (refused !== undefined) expectLinkLimit(refused, CAP + 1);
      expect((await linkOf(base, a.token)).body.devices).toHaveLength(CAP);
    }
  });
});
