/**
 * A link code its issuer replaces (by asking for a new one) while a redeem of it is under way
 * does not link: insertLinkCode does not take the link lock, so it can delete the old code
 * between the redeem's SELECT of it and its UPDATE; the UPDATE then marks nothing used, and the
 * redeem answers no_code.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertLinkCode, redeemLinkCode } from '../../server/src/data-access/link-repo.js';
import type { Pool } from '../../server/src/data-access/pool.js';
import { hashLinkCode, newLinkCode } from '../../server/src/domain/link.js';
import { registerDevice } from '../harness/client.js';
import { linkOf } from './link-kit.js';
import { type Stack, startStack } from './modes.js';

describe('a link code replaced during its redeem', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack('embedded');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('does not link when the issuer asked for a new code after the redeem found the old one', async () => {
    const base = stack.server.url;
    const [issuer, caller] = await Promise.all([registerDevice(base), registerDevice(base)]);
    if (issuer === undefined || caller === undefined) throw new Error('registration failed');
    const pool = stack.server.pool as Pool;
    const now = new Date();
    const expires = new Date(now.getTime() + 600_000);
    const old = hashLinkCode(newLinkCode());
    await insertLinkCode(pool, issuer.deviceId, old, expires, now);
    let replaced = false;
    // A pool whose client lets the issuer's new code in right after the redeem read the old one.
    const racing = {
      connect: async () => {
        const client = await pool.connect();
        const query = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
        (client as { query: unknown }).query = async (...args: unknown[]) => {
          const r = await query(...args);
          if (typeof args[0] === 'string' && args[0].includes('FROM link_codes c JOIN devices')) {
            await insertLinkCode(pool, issuer.deviceId, hashLinkCode(newLinkCode()), expires, now);
            replaced = true;
          }
          return r;
        };
        return client;
      },
    } as unknown as Pool;
    const result = await redeemLinkCode(racing, caller.deviceId, old, now, randomUUID(), 20);
    expect(replaced).toBe(true);
    expect(result.kind).toBe('no_code');
    // Nothing changed: both devices are still alone.
    expect((await linkOf(base, issuer.token)).body.personId).toBeNull();
    expect((await linkOf(base, caller.token)).body.personId).toBeNull();
  });
});
