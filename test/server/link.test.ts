/**
 * Linking browsers into one person (issue 18) on real PostgreSQL: codes (format, hash only,
 * expiry, single use), joins and merges, unlinking, and what erasing or revoking a device does
 * to its links. The rate limits are in link-limits.test.ts, the summary in summary.test.ts.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINK_CODE_ALPHABET, LINK_CODE_TTL_MS } from '#protocol';
import { revokeDevice } from '../../server/src/data-access/study-repo.js';
import {
  makeBatch,
  makeEvent,
  postEvents,
  registerDevice,
  request,
  waitFor,
} from '../harness/client.js';
import { idsOf, issueCode, link, linkOf, redeem, unlink } from './link-kit.js';
import { type Stack, startStack } from './modes.js';

describe('linking browsers', () => {
  let stack: Stack;
  let base: string;
  beforeAll(async () => {
    // No credential cache: a revocation is seen at the next request.
    stack = await startStack('embedded', { AUTH_CACHE_TTL_MS: '0' });
    base = stack.server.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('issues an 8-character code valid 10 minutes, and stores only its hash', async () => {
    const a = await registerDevice(base);
    const before = Date.now();
    const res = await issueCode(base, a.token);
    expect(res.status).toBe(201);
    expect(res.body.code).toMatch(new RegExp(`^[${LINK_CODE_ALPHABET}]{8}$`));
    const expires = Date.parse(res.body.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + LINK_CODE_TTL_MS - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + LINK_CODE_TTL_MS + 1000);
    const rows = await stack.server.pool.query<{ code_hash: Buffer; row: string }>(
      'SELECT code_hash, row_to_json(c)::text AS row FROM link_codes c WHERE device_id = $1',
      [a.deviceId],
    );
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]?.code_hash).toEqual(createHash('sha256').update(res.body.code).digest());
    expect(rows.rows[0]?.row).not.toContain(res.body.code);
  });

  it('links two browsers into one person, each seeing both', async () => {
    const a = await registerDevice(base);
    const b = await registerDevice(base);
    expect((await linkOf(base, a.token)).body).toMatchObject({
      personId: null,
      devices: [{ id: a.deviceId, thisDevice: true, browser: 'Chrome', os: 'Linux', label: null }],
    });
    const code = await issueCode(base, a.token);
    // Typed in lower case with a hyphen: the same code.
    const typed = `${code.body.code.slice(0, 4)}-${code.body.code.slice(4)}`.toLowerCase();
    const res = await redeem(base, b.token, typed);
    expect(res.status).toBe(200);
    expect(res.body.personId).toMatch(/^[0-9a-f-]{36}$/);
    expect(idsOf(res.body)).toEqual([a.deviceId, b.deviceId].sort());
    expect(res.body.devices.find((d) => d.thisDevice)?.id).toBe(b.deviceId);
    const fromA = await linkOf(base, a.token);
    expect(fromA.body.personId).toBe(res.body.personId);
    expect(fromA.body.devices.find((d) => d.thisDevice)?.id).toBe(a.deviceId);
    expect(fromA.body.devices[0]).toEqual({
      id: a.deviceId,
      browser: 'Chrome',
      os: 'Linux',
      label: null,
      lastSyncAt: null,
      thisDevice: true,
    });
  });

  it('uses a code once; refuses the issuer its own code without using it up', async () => {
    const a = await registerDevice(base);
    const b = await registerDevice(base);
    const c = await registerDevice(base);
    const { code } = (await issueCode(base, a.token)).body;
    const own = await redeem(base, a.token, code);
    expect(own.status).toBe(400);
    expect(own.body).toMatchObject({ error: { code: 'invalid_link_code' } });
    expect((await redeem(base, b.token, code)).status).toBe(200);
    const again = await redeem(base, c.token, code);
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: { code: 'invalid_link_code' } });
    expect((await linkOf(base, c.token)).body.personId).toBeNull();
  });

  it('refuses an expired code', async () => {
    const a = await registerDevice(base);
    const b = await registerDevice(base);
    const { code } = (await issueCode(base, a.token)).body;
    await stack.server.pool.query(
      `UPDATE link_codes SET expires_at = now() - interval '1 second' WHERE device_id = $1`,
      [a.deviceId],
    );
    const res = await redeem(base, b.token, code);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'invalid_link_code' } });
  });

  it('refuses a malformed body (400 invalid_request) and a code of the wrong form', async () => {
    const a = await registerDevice(base);
    const empty = await request(`${base}/api/v1/me/link`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ error: { code: 'invalid_request' } });
    const odd = await redeem(base, a.token, 'OOOO0000');
    expect(odd.body).toMatchObject({ error: { code: 'invalid_link_code' } });
  });

  it("joins a third browser from either side, and merges two persons into the issuer's", async () => {
    const [a, b, c, d, e] = await Promise.all(
      Array.from({ length: 5 }, () => registerDevice(base)),
    );
    if (!a || !b || !c || !d || !e) throw new Error('registration');
    const p = (await link(base, a.token, b.token)).personId;
    // c joins through b's code (b is not the first device of the person).
    expect((await link(base, b.token, c.token)).personId).toBe(p);
    const q = (await link(base, d.token, e.token)).personId;
    expect(q).not.toBe(p);
    // e (of q) uses a's code: q's devices join p.
    const merged = await link(base, a.token, e.token);
    expect(merged.personId).toBe(p);
    expect(idsOf(merged)).toEqual([a, b, c, d, e].map((x) => x.deviceId).sort());
    expect((await linkOf(base, d.token)).body.personId).toBe(p);
  });

  it('unlinks this browser, or another of its person; a person of one is dissolved', async () => {
    const [a, b, c, stranger] = await Promise.all(
      Array.from({ length: 4 }, () => registerDevice(base)),
    );
    if (!a || !b || !c || !stranger) throw new Error('registration');
    await link(base, a.token, b.token);
    const p = (await link(base, a.token, c.token)).personId;

    // b unlinks itself.
    const alone = await unlink(base, b.token);
    expect(alone.status).toBe(200);
    expect(alone.body).toMatchObject({ personId: null, devices: [{ id: b.deviceId }] });
    expect(idsOf((await linkOf(base, a.token)).body)).toEqual([a.deviceId, c.deviceId].sort());

    // Another person's device, or one alone: 404 not_linked, nothing changes.
    for (const target of [stranger.deviceId, b.deviceId]) {
      const refused = await unlink(base, a.token, target);
      expect(refused.status).toBe(404);
      expect(refused.body).toMatchObject({ error: { code: 'not_linked' } });
    }
    const fromStranger = await unlink(base, stranger.token, a.deviceId);
    expect(fromStranger.status).toBe(404);
    expect((await linkOf(base, a.token)).body.personId).toBe(p);

    // a unlinks c: a is left alone, so the person is no more.
    const res = await unlink(base, a.token, c.deviceId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ personId: null, devices: [{ id: a.deviceId }] });
    expect((await linkOf(base, c.token)).body.personId).toBeNull();
    // Unlinking a device alone changes nothing and answers its state.
    expect((await unlink(base, a.token)).body.personId).toBeNull();
  });

  it('an erased device leaves its person and its codes go with it', async () => {
    const [a, b, c] = await Promise.all(Array.from({ length: 3 }, () => registerDevice(base)));
    if (!a || !b || !c) throw new Error('registration');
    await link(base, a.token, b.token);
    await link(base, a.token, c.token);
    const { code } = (await issueCode(base, a.token)).body;
    const erased = await request(`${base}/api/v1/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${a.token}` },
    });
    expect(erased.status).toBe(200);
    expect(idsOf((await linkOf(base, b.token)).body)).toEqual([b.deviceId, c.deviceId].sort());
    const d = await registerDevice(base);
    expect((await redeem(base, d.token, code)).status).toBe(400);
    // Erasing b leaves c alone: no person.
    await request(`${base}/api/v1/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${b.token}` },
    });
    expect((await linkOf(base, c.token)).body).toMatchObject({ personId: null });
  });

  it('an erase waiting on its visits holds up no link, unlink or revoke elsewhere', async () => {
    const [a, b, c, d] = await Promise.all(Array.from({ length: 4 }, () => registerDevice(base)));
    if (!a || !b || !c || !d) throw new Error('registration');
    await link(base, a.token, b.token);
    expect((await postEvents(base, a.token, makeBatch([makeEvent()]))).status).toBe(200);
    // Another transaction holds one of a's visits, as a long erase's own work would hold it
    // up: the erase waits on that row, and must not hold the link lock while it does.
    const blocker = await stack.server.pool.connect();
    try {
      await blocker.query('BEGIN');
      const held = await blocker.query('SELECT 1 FROM visits WHERE device_id = $1 FOR UPDATE', [
        a.deviceId,
      ]);
      expect(held.rowCount).toBe(1);
      const erasing = request(`${base}/api/v1/me`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${a.token}` },
      });
      await waitFor(async () => {
        const r = await stack.server.pool.query(
          `SELECT 1 FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM visits WHERE device_id%'`,
        );
        return r.rowCount === 1;
      }, 'the erase to wait on the held visit');
      // a is already out of its person: b is alone again.
      expect((await linkOf(base, b.token)).body).toMatchObject({ personId: null });
      const linked = await Promise.race([
        link(base, c.token, d.token).then(() => 'linked'),
        new Promise((resolve) => setTimeout(resolve, 15_000, 'held up by the erase')),
      ]);
      expect(linked).toBe('linked');
      expect((await unlink(base, d.token)).status).toBe(200);
      await blocker.query('COMMIT');
      expect((await erasing).status).toBe(200);
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      blocker.release();
    }
    const left = await stack.server.pool.query(
      'SELECT (SELECT count(*) FROM visits WHERE device_id = $1)::int AS visits, (SELECT count(*) FROM devices WHERE id = $1)::int AS devices',
      [a.deviceId],
    );
    expect(left.rows[0]).toEqual({ visits: 0, devices: 0 });
  });

  it('a second erase of a device being erased waits on it without holding up any link', async () => {
    const [a, c, d] = await Promise.all(Array.from({ length: 3 }, () => registerDevice(base)));
    if (!a || !c || !d) throw new Error('registration');
    expect((await postEvents(base, a.token, makeBatch([makeEvent()]))).status).toBe(200);
    const erase = () =>
      request(`${base}/api/v1/me`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${a.token}` },
      });
    const lockWaits = async (statement: string): Promise<number> => {
      const r = await stack.server.pool.query(
        `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
        [`${statement}%`],
      );
      return r.rowCount ?? 0;
    };
    // The first erase has deleted a's row and waits on one of its visits, held elsewhere.
    const blocker = await stack.server.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM visits WHERE device_id = $1 FOR UPDATE', [a.deviceId]);
      const first = erase();
      await waitFor(
        async () => (await lockWaits('DELETE FROM visits WHERE device_id')) === 1,
        'the first erase to wait on the held visit',
      );
      // The second (the person pressed again, or another tab) waits for the first one's row:
      // under the link lock (before) it waited in the statement that locks the row to revoke it.
      const second = erase();
      await waitFor(
        async () =>
          (await lockWaits('DELETE FROM devices WHERE id')) +
            (await lockWaits('WITH old AS (SELECT person_id FROM devices')) ===
          1,
        'the second erase to wait on the first',
      );
      const linked = await Promise.race([
        link(base, c.token, d.token).then(() => 'linked'),
        new Promise((resolve) => setTimeout(resolve, 15_000, 'held up by the erases')),
      ]);
      expect(linked).toBe('linked');
      await blocker.query('COMMIT');
      expect((await first).status).toBe(200);
      // The second finds the device erased, as any erase after the first one does.
      const again = await second;
      expect(again.status).toBe(403);
      expect(again.body).toMatchObject({ error: { code: 'device_deleted' } });
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      blocker.release();
    }
    const left = await stack.server.pool.query(
      'SELECT (SELECT count(*) FROM visits WHERE device_id = $1)::int AS visits, (SELECT count(*) FROM devices WHERE id = $1)::int AS devices',
      [a.deviceId],
    );
    expect(left.rows[0]).toEqual({ visits: 0, devices: 0 });
  });

  it('revoking a device being erased answers at once, holding up no link', async () => {
    const [a, c, d] = await Promise.all(Array.from({ length: 3 }, () => registerDevice(base)));
    if (!a || !c || !d) throw new Error('registration');
    expect((await postEvents(base, a.token, makeBatch([makeEvent()]))).status).toBe(200);
    const blocker = await stack.server.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM visits WHERE device_id = $1 FOR UPDATE', [a.deviceId]);
      const erasing = request(`${base}/api/v1/me`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${a.token}` },
      });
      await waitFor(async () => {
        const r = await stack.server.pool.query(
          `SELECT 1 FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM visits WHERE device_id%'`,
        );
        return r.rowCount === 1;
      }, 'the erase to wait on the held visit');
      // The erase has revoked a and deleted its row: the revocation finds it revoked already.
      const timeout = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms, 'held up'));
      const revoked = await Promise.race([
        revokeDevice(stack.server.pool, a.deviceId, new Date()),
        timeout(15_000),
      ]);
      expect(revoked).toMatchObject({ already: true });
      const linked = await Promise.race([
        link(base, c.token, d.token).then(() => 'linked'),
        timeout(15_000),
      ]);
      expect(linked).toBe('linked');
      await blocker.query('COMMIT');
      expect((await erasing).status).toBe(200);
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      blocker.release();
    }
  });

  it('keeps one live code per browser: a new code replaces the one before', async () => {
    const [a, b] = await Promise.all(Array.from({ length: 2 }, () => registerDevice(base)));
    if (!a || !b) throw new Error('registration');
    const first = (await issueCode(base, a.token)).body.code;
    const second = (await issueCode(base, a.token)).body.code;
    expect((await redeem(base, b.token, first)).status).toBe(400);
    expect((await redeem(base, b.token, second)).status).toBe(200);
  });

  it("a revoked device is unlinked, can't link, and its codes stop working", async () => {
    const [a, b, c] = await Promise.all(Array.from({ length: 3 }, () => registerDevice(base)));
    if (!a || !b || !c) throw new Error('registration');
    await link(base, a.token, b.token);
    const { code } = (await issueCode(base, a.token)).body;
    await revokeDevice(stack.server.pool, a.deviceId, new Date());
    expect((await linkOf(base, b.token)).body).toMatchObject({ personId: null });
    const own = await linkOf(base, a.token);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ personId: null, devices: [{ id: a.deviceId }] });
    expect((await redeem(base, c.token, code)).status).toBe(400);
    for (const res of [await issueCode(base, a.token), await redeem(base, a.token, 'ABCDEFGH')]) {
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: { code: 'device_revoked' } });
    }
  });

  it("refuses a code of another server's device", async () => {
    const other = await startStack('embedded');
    try {
      const there = await registerDevice(other.server.url);
      const { code } = (await issueCode(other.server.url, there.token)).body;
      const here = await registerDevice(base);
      const res = await redeem(base, here.token, code);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'invalid_link_code' } });
    } finally {
      await other.stop();
    }
  });

  it('needs the device token', async () => {
    for (const [method, path] of [
      ['POST', 'link-code'],
      ['POST', 'link'],
      ['GET', 'link'],
      ['DELETE', 'link'],
      ['GET', 'summary?from=2026-01-01&to=2026-01-02&tz=UTC'],
    ] as const) {
      const res = await request(`${base}/api/v1/me/${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });
});
