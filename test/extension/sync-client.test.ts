// Must come first: Dexie looks for indexedDB when it is first imported.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRegistered, VisitEvent } from '#protocol';
import {
  getSyncMeta,
  getSyncStatus,
  openTracksphereDb,
  recordFinishedVisits,
  type StoredVisit,
  type TracksphereDb,
} from '../../extension/db/index.js';
import {
  type FetchLike,
  registerDevice,
  type SyncDeps,
  syncOnce,
} from '../../extension/sync/index.js';
import { makeEvent, request } from '../harness/client.js';
import { startTestServer, type TestServer } from '../harness/server.js';
import { type Stack, startStack } from '../server/modes.js';
import { closedPort, startFaultProxy } from './fault-proxy.js';

const utcDayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const registration = {
  extensionVersion: '0.1.0',
  browser: { name: 'Chrome', version: '131.0' },
  os: 'Linux',
};

/** One extension install: its own IndexedDB, its own device, a clock the test moves. */
interface Install {
  db: TracksphereDb;
  device: DeviceRegistered;
  clock: { now: number };
  requests: { status: number | null; retryAfter: string | null }[];
  deps(baseUrl: string, overrides?: Partial<SyncDeps>): SyncDeps;
}

async function install(baseUrl: string): Promise<Install> {
  const db = openTracksphereDb(`sync-it-${crypto.randomUUID()}`);
  const device = await registerDevice({ fetch, baseUrl, db }, registration);
  const clock = { now: Date.now() };
  const requests: Install['requests'] = [];
  const spy: FetchLike = async (url, init) => {
    try {
      const res = await fetch(url, init);
      requests.push({ status: res.status, retryAfter: res.headers.get('retry-after') });
      return res;
    } catch (err) {
      requests.push({ status: null, retryAfter: null });
      throw err;
    }
  };
  return {
    db,
    device,
    clock,
    requests,
    deps: (url, overrides = {}) => ({
      db,
      config: { baseUrl: url, token: device.token },
      fetch: spy,
      now: () => clock.now,
      // No jitter: waits below are exactly Retry-After, or zero.
      random: () => 0,
      ...overrides,
    }),
  };
}

async function recordPending(db: TracksphereDb, n: number): Promise<VisitEvent[]> {
  const visits = Array.from({ length: n }, () => makeEvent());
  await recordFinishedVisits(db, visits, { syncEnabled: true, dayOf: utcDayOf });
  return visits;
}

/** Rows per id in PostgreSQL. */
async function storedCounts(server: TestServer, ids: string[]): Promise<Map<string, number>> {
  const r = await server.pool.query<{ id: string; n: string }>(
    'SELECT id::text AS id, count(*) AS n FROM visits WHERE id = ANY($1::uuid[]) GROUP BY id',
    [ids],
  );
  return new Map(r.rows.map((row) => [row.id, Number(row.n)]));
}

/**
 * The guarantee: every visit ends either 'sent' and stored exactly once in
 * PostgreSQL, or 'rejected' locally and not stored; none pending, none lost.
 */
async function expectAllSettled(
  db: TracksphereDb,
  server: TestServer,
  ids: string[],
): Promise<{ sent: StoredVisit[]; rejected: StoredVisit[] }> {
  const local = await db.visits.bulkGet(ids);
  expect(local.every((v) => v !== undefined)).toBe(true);
  const visits = local.filter((v): v is StoredVisit => v !== undefined);
  const sent = visits.filter((v) => v.syncState === 'sent');
  const rejected = visits.filter((v) => v.syncState === 'rejected');
  expect(sent.length + rejected.length).toBe(ids.length);
  const counts = await storedCounts(server, ids);
  for (const v of sent) expect(counts.get(v.id), `rows for sent ${v.id}`).toBe(1);
  for (const v of rejected) expect(counts.get(v.id), `rows for rejected ${v.id}`).toBeUndefined();
  return { sent, rejected };
}

describe('sync client against the real ingest server (embedded)', () => {
  let stack: Stack;
  let base: string;

  beforeAll(async () => {
    stack = await startStack('embedded');
    base = stack.server.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('sends a backlog of 1,234 visits in three batches, each stored once', async () => {
    const app = await install(base);
    const visits = await recordPending(app.db, 1_234);
    const result = await syncOnce(app.deps(base));
    expect(result).toMatchObject({ status: 'up_to_date', sent: 1_234, rejected: 0, requests: 3 });
    const ids = visits.map((v) => v.id);
    await expectAllSettled(app.db, stack.server, ids);
    const batches = await stack.server.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM visits WHERE id = ANY($1::uuid[]) GROUP BY batch_id ORDER BY n DESC',
      [ids],
    );
    expect(batches.rows.map((r) => Number(r.n))).toEqual([500, 500, 234]);
    expect(await getSyncStatus(app.db)).toMatchObject({
      pendingCount: 0,
      lastError: null,
      lastSuccessAt: app.clock.now,
    });
  });

  it('backs off while the server is down and delivers everything once it is up', async () => {
    const app = await install(base);
    const ids = (await recordPending(app.db, 40)).map((v) => v.id);
    const down = `http://127.0.0.1:${await closedPort()}`;

    const failed = await syncOnce(app.deps(down, { random: () => 0.5 }));
    expect(failed.status).toBe('retry_scheduled');
    // attempt 1: half of the 30 s bound.
    expect(failed.nextAttemptAt).toBe(app.clock.now + 15_000);
    expect(await getSyncStatus(app.db)).toMatchObject({
      pendingCount: 40,
      lastError: { code: 'network' },
      nextAttemptAt: app.clock.now + 15_000,
    });
    expect(await syncOnce(app.deps(base))).toMatchObject({ status: 'deferred', requests: 0 });

    app.clock.now = failed.nextAttemptAt ?? 0;
    expect(await syncOnce(app.deps(base))).toMatchObject({ status: 'up_to_date', sent: 40 });
    await expectAllSettled(app.db, stack.server, ids);
    expect((await getSyncMeta(app.db)).attempt).toBe(0);
  });

  it('waits out 503 with Retry-After from an overloaded front, then delivers', async () => {
    const proxy = await startFaultProxy(base, (n) =>
      n < 2
        ? {
            kind: 'respond',
            status: 503,
            headers: { 'retry-after': '7' },
            body: '{"error":{"code":"unavailable","message":"Try again in 7 s."}}',
          }
        : { kind: 'forward' },
    );
    try {
      const app = await install(base);
      const ids = (await recordPending(app.db, 25)).map((v) => v.id);
      const t0 = app.clock.now;
      expect(await syncOnce(app.deps(proxy.url))).toMatchObject({
        status: 'retry_scheduled',
        nextAttemptAt: t0 + 7_000,
      });
      expect((await getSyncStatus(app.db)).lastError).toMatchObject({
        code: 'unavailable',
        message: 'Try again in 7 s.',
      });
      app.clock.now = t0 + 6_999;
      expect((await syncOnce(app.deps(proxy.url))).status).toBe('deferred');
      app.clock.now = t0 + 7_000;
      expect((await syncOnce(app.deps(proxy.url))).nextAttemptAt).toBe(t0 + 14_000);
      app.clock.now = t0 + 14_000;
      expect(await syncOnce(app.deps(proxy.url))).toMatchObject({ status: 'up_to_date', sent: 25 });
      expect(proxy.count()).toBe(3);
      await expectAllSettled(app.db, stack.server, ids);
    } finally {
      await proxy.close();
    }
  });

  it('resends a batch whose answer was lost under the same batch id, stored once', async () => {
    const proxy = await startFaultProxy(base, (n) =>
      n === 0 ? { kind: 'lose_answer' } : { kind: 'forward' },
    );
    try {
      const app = await install(base);
      const ids = (await recordPending(app.db, 30)).map((v) => v.id);
      expect((await syncOnce(app.deps(proxy.url))).status).toBe('retry_scheduled');
      const lostBatch = (await getSyncMeta(app.db)).inFlight?.batchId;
      // The server already has them; locally they are still pending.
      expect([...(await storedCounts(stack.server, ids)).values()]).toEqual(ids.map(() => 1));
      expect((await getSyncStatus(app.db)).pendingCount).toBe(30);

      expect(await syncOnce(app.deps(proxy.url), { force: true })).toMatchObject({
        status: 'up_to_date',
        sent: 30,
      });
      await expectAllSettled(app.db, stack.server, ids);
      const batchIds = await stack.server.pool.query<{ batch_id: string }>(
        'SELECT DISTINCT batch_id::text FROM visits WHERE id = ANY($1::uuid[])',
        [ids],
      );
      expect(batchIds.rows.map((r) => r.batch_id)).toEqual([lostBatch]);
    } finally {
      await proxy.close();
    }
  });

  it('marks the events the server rejects and never sends them again', async () => {
    const app = await install(base);
    const good = await recordPending(app.db, 10);
    const now = Date.now();
    // Written straight into the db, as an older buggy client would have left them.
    const bad: VisitEvent[] = [
      makeEvent({ activeMs: 10 * 60_000 }),
      makeEvent({
        startedAt: new Date(now - 800 * 86_400_000).toISOString(),
        endedAt: new Date(now - 800 * 86_400_000 + 1_000).toISOString(),
        activeMs: 500,
      }),
    ];
    await app.db.visits.bulkAdd(
      bad.map((v) => ({ ...v, startedMs: Date.parse(v.startedAt), syncState: 'pending' })),
    );
    const result = await syncOnce(app.deps(base));
    expect(result).toMatchObject({ status: 'up_to_date', sent: 10, rejected: 2, requests: 1 });

    const ids = [...good, ...bad].map((v) => v.id);
    const { rejected } = await expectAllSettled(app.db, stack.server, ids);
    const byId = new Map(rejected.map((v) => [v.id, v]));
    expect(byId.get(bad[0]?.id ?? '')).toMatchObject({ rejectCode: 'invalid_event' });
    expect(byId.get(bad[0]?.id ?? '')?.rejectReason).toContain('exceeds endedAt - startedAt');
    expect(byId.get(bad[1]?.id ?? '')).toMatchObject({ rejectCode: 'too_old' });

    expect(await syncOnce(app.deps(base), { force: true })).toMatchObject({ requests: 0 });
  });

  it('stops on a revoked token without marking anything, and resumes after registering again', async () => {
    const app = await install(base);
    const ids = (await recordPending(app.db, 20)).map((v) => v.id);
    const erased = await request(`${base}/api/v1/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${app.device.token}` },
    });
    expect(erased.status).toBe(200);

    expect(await syncOnce(app.deps(base))).toMatchObject({ status: 'blocked', sent: 0 });
    const status = await getSyncStatus(app.db);
    expect(status).toMatchObject({ blocked: true, pendingCount: 20 });
    expect(['unauthorized', 'device_deleted']).toContain(status.lastError?.code);
    expect(status.lastError?.message.length).toBeGreaterThan(10);
    expect((await storedCounts(stack.server, ids)).size).toBe(0);
    expect(await syncOnce(app.deps(base), { force: true })).toMatchObject({
      status: 'blocked',
      requests: 0,
    });

    const again = await registerDevice({ fetch, baseUrl: base, db: app.db }, registration);
    const resumed = await syncOnce(
      app.deps(base, { config: { baseUrl: base, token: again.token } }),
    );
    expect(resumed).toMatchObject({ status: 'up_to_date', sent: 20 });
    await expectAllSettled(app.db, stack.server, ids);
  });
});

describe('sync client against a rate-limited server', () => {
  let stack: Stack;
  let replica: TestServer | undefined;

  beforeAll(async () => {
    stack = await startStack('embedded', { RATE_LIMIT_DEVICE_PER_MINUTE: '2' });
  });
  afterAll(async () => {
    await replica?.close();
    await stack?.stop();
  });

  it('honours 429 Retry-After, then finishes the backlog', async () => {
    const base = stack.server.url;
    const app = await install(base);
    const ids = (await recordPending(app.db, 1_234)).map((v) => v.id);
    const t0 = app.clock.now;

    const limited = await syncOnce(app.deps(base));
    expect(limited).toMatchObject({ status: 'retry_scheduled', sent: 1_000, requests: 3 });
    const last = app.requests.at(-1);
    expect(last?.status).toBe(429);
    const retryAfterS = Number(last?.retryAfter);
    expect(retryAfterS).toBeGreaterThanOrEqual(1);
    expect(limited.nextAttemptAt).toBe(t0 + retryAfterS * 1_000);
    expect((await getSyncStatus(app.db)).lastError?.code).toBe('rate_limited');
    expect((await syncOnce(app.deps(base))).status).toBe('deferred');

    // The limiter's window is a real minute; rather than sleep through it, the rest
    // goes to a second API process on the same database (what a replica behind nginx is).
    replica = await startTestServer({ databaseUrl: stack.databaseUrl });
    app.clock.now = limited.nextAttemptAt ?? 0;
    expect(await syncOnce(app.deps(replica.url))).toMatchObject({
      status: 'up_to_date',
      sent: 234,
    });
    await expectAllSettled(app.db, stack.server, ids);
  });
});
