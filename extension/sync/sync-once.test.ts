import { afterEach, describe, expect, it } from 'vitest';
import { freshTestDb, makeVisit, utcDayOf } from '../db/db-test-kit.js';
import {
  getSyncMeta,
  oldestPending,
  recordFinishedVisits,
  type SyncState,
  type TracksphereDb,
} from '../db/index.js';
import { getSyncStatus } from '../db/sync-status.js';
import type { FetchLike } from './http.js';
import { type SyncDeps, syncOnce } from './sync-once.js';
import { type Answer, acceptAll, apiError, fakeIngest, json } from './sync-test-kit.js';

let db: TracksphereDb;
afterEach(async () => {
  await db?.delete();
});

const T0 = Date.UTC(2025, 0, 20, 12);

/** A db with `n` pending visits, a fixed clock at T0 and random() = 0.5 unless overridden. */
async function setup(
  n: number,
  answer: Answer,
  overrides: Partial<SyncDeps> = {},
): Promise<{ deps: SyncDeps; seen: ReturnType<typeof fakeIngest>['seen']; ids: string[] }> {
  db = freshTestDb();
  const visits = Array.from({ length: n }, (_, i) => makeVisit({ at: T0 - 3_600_000 + i }));
  await recordFinishedVisits(db, visits, { syncEnabled: true, dayOf: utcDayOf });
  const { fetch, seen } = fakeIngest(answer);
  const deps: SyncDeps = {
    db,
    config: { baseUrl: 'https://ingest.example/', token: 'device.secret' },
    fetch,
    now: () => T0,
    random: () => 0.5,
    ...overrides,
  };
  return { deps, seen, ids: visits.map((v) => v.id) };
}

async function states(): Promise<Record<SyncState, number>> {
  const out: Record<SyncState, number> = { local: 0, pending: 0, sent: 0, rejected: 0 };
  for (const v of await db.visits.toArray()) out[v.syncState] += 1;
  return out;
}

describe('syncOnce: sending', () => {
  it('sends the backlog oldest first in gzip batches of at most 500 and marks it sent', async () => {
    const { deps, seen, ids } = await setup(1_234, acceptAll);
    const result = await syncOnce(deps);
    expect(result).toEqual({
      status: 'up_to_date',
      sent: 1_234,
      rejected: 0,
      requests: 3,
      nextAttemptAt: null,
    });
    expect(seen.map((r) => r.events.length)).toEqual([500, 500, 234]);
    expect(seen.flatMap((r) => r.events.map((e) => e.id))).toEqual(ids);
    const first = seen[0];
    // Each batch carries this browser's own number for it, increasing, from the clock at least.
    const seqs = seen.map((r) => Number(new URL(r.url).searchParams.get('seq')));
    expect(seqs).toEqual([T0, T0 + 1, T0 + 2]);
    expect(first?.url).toBe(`https://ingest.example/api/v1/events?seq=${T0}`);
    expect(first?.gzip).toBe(true);
    expect(first?.headers.get('authorization')).toBe('Bearer device.secret');
    expect(first?.headers.get('content-type')).toBe('application/json');
    expect(first?.sentAt).toBe(new Date(T0).toISOString());
    expect(new Set(seen.map((r) => r.batchId)).size).toBe(3);
    expect(await states()).toMatchObject({ pending: 0, sent: 1_234 });
    expect((await db.visits.get(ids[0] ?? ''))?.sentAt).toBe(T0);
    expect(await getSyncStatus(db)).toEqual({
      lastSuccessAt: T0,
      lastAttemptAt: T0,
      pendingCount: 0,
      lastError: null,
      blocked: false,
      nextAttemptAt: null,
    });
  });

  it('sends plain JSON when the runtime cannot compress', async () => {
    const { deps, seen } = await setup(20, acceptAll, { compress: null });
    await syncOnce(deps);
    expect(seen[0]?.gzip).toBe(false);
    expect(seen[0]?.headers.get('content-encoding')).toBeNull();
  });

  it('does nothing when the outbox is empty', async () => {
    const { deps, seen } = await setup(0, acceptAll);
    expect((await syncOnce(deps)).status).toBe('up_to_date');
    expect(seen).toHaveLength(0);
  });

  it('marks the events the server rejected, with its code and message, and never resends them', async () => {
    const { deps, seen, ids } = await setup(5, (req) =>
      json(200, {
        accepted: req.events.length - 1,
        rejected: [
          {
            index: 2,
            id: req.events[2]?.id ?? null,
            code: 'invalid_event',
            message: 'activeMs too big',
          },
        ],
      }),
    );
    const result = await syncOnce(deps);
    expect(result).toMatchObject({ status: 'up_to_date', sent: 4, rejected: 1 });
    expect(await db.visits.get(ids[2] ?? '')).toMatchObject({
      syncState: 'rejected',
      rejectCode: 'invalid_event',
      rejectReason: 'activeMs too big',
    });
    await syncOnce(deps, { force: true });
    expect(seen).toHaveLength(1);
  });

  it('stops after its request budget and says a backlog is left', async () => {
    const { deps, seen } = await setup(1_234, acceptAll, { maxRequests: 2 });
    expect((await syncOnce(deps)).status).toBe('backlog_left');
    expect(await states()).toMatchObject({ pending: 234, sent: 1_000 });
    expect((await syncOnce(deps)).status).toBe('up_to_date');
    expect(seen).toHaveLength(3);
  });

  it('runs once at a time: a second call while one runs shares its result', async () => {
    const { deps, seen } = await setup(600, acceptAll);
    const [a, b] = await Promise.all([syncOnce(deps), syncOnce(deps, { force: true })]);
    expect(a).toBe(b);
    expect(seen).toHaveLength(2);
  });
});

describe('syncOnce: retries', () => {
  const networkDown: Answer = () => {
    throw new TypeError('fetch failed');
  };

  it('backs off with full jitter after a network error, persisted, and waits it out', async () => {
    const { deps, seen } = await setup(3, networkDown, { random: () => 0.25 });
    const first = await syncOnce(deps);
    // attempt 1: uniform in [0, 30 s); 0.25 of it.
    expect(first).toMatchObject({ status: 'retry_scheduled', sent: 0, nextAttemptAt: T0 + 7_500 });
    const meta = await getSyncMeta(db);
    expect(meta).toMatchObject({ attempt: 1, nextAttemptAt: T0 + 7_500 });
    expect(meta.lastError).toMatchObject({ code: 'network', at: T0 });
    expect(meta.lastError?.message).toContain('fetch failed');

    expect(await syncOnce(deps)).toMatchObject({ status: 'deferred', requests: 0 });
    expect(seen).toHaveLength(1);

    const later = { ...deps, now: () => T0 + 7_500 };
    expect(await syncOnce(later)).toMatchObject({
      status: 'retry_scheduled',
      nextAttemptAt: T0 + 7_500 + 15_000,
    });
    expect((await getSyncMeta(db)).attempt).toBe(2);
    expect(await states()).toMatchObject({ pending: 3, sent: 0 });
  });

  it('sends at once when forced ("sync now"), and a success resets the backoff', async () => {
    let down = true;
    const { deps } = await setup(3, (req) => {
      if (down) throw new TypeError('fetch failed');
      return acceptAll(req);
    });
    await syncOnce(deps);
    down = false;
    expect(await syncOnce(deps, { force: true })).toMatchObject({ status: 'up_to_date', sent: 3 });
    expect(await getSyncMeta(db)).toMatchObject({
      attempt: 0,
      nextAttemptAt: null,
      lastError: null,
    });
  });

  it('grows the bound exponentially up to one hour', async () => {
    const { deps } = await setup(1, networkDown, { random: () => 0.999_999 });
    const delays: number[] = [];
    let now = T0;
    for (let i = 0; i < 9; i++) {
      const r = await syncOnce({ ...deps, now: () => now });
      delays.push(Math.round(((r.nextAttemptAt ?? 0) - now) / 1_000));
      now = r.nextAttemptAt ?? now;
    }
    expect(delays).toEqual([30, 60, 120, 240, 480, 960, 1_920, 3_600, 3_600]);
  });

  it('waits for Retry-After (seconds) on 429 when it is longer than the jitter', async () => {
    const { deps } = await setup(3, () =>
      apiError(429, 'rate_limited', 'Too many requests', { 'retry-after': '120' }),
    );
    expect(await syncOnce(deps)).toMatchObject({
      status: 'retry_scheduled',
      nextAttemptAt: T0 + 120_000,
    });
    expect((await getSyncMeta(db)).lastError?.code).toBe('rate_limited');
  });

  it('waits for Retry-After as an HTTP date on 503', async () => {
    const at = new Date(T0 + 90_000).toUTCString();
    const { deps } = await setup(3, () =>
      apiError(503, 'unavailable', 'Kafka is down', { 'retry-after': at }),
    );
    expect(await syncOnce(deps)).toMatchObject({
      status: 'retry_scheduled',
      nextAttemptAt: T0 + 90_000,
    });
  });

  it('keeps the jitter when it is longer than Retry-After', async () => {
    const { deps } = await setup(
      3,
      () => apiError(503, 'unavailable', 'down', { 'retry-after': '1' }),
      {
        random: () => 0.5,
      },
    );
    expect(await syncOnce(deps)).toMatchObject({ nextAttemptAt: T0 + 15_000 });
  });

  it('retries 500s and unreadable answers without marking anything', async () => {
    const { deps } = await setup(3, (_req, n) =>
      n === 0
        ? new Response('<html>Bad gateway</html>', { status: 502 })
        : new Response('ok', { status: 200 }),
    );
    const first = await syncOnce(deps);
    expect(first.status).toBe('retry_scheduled');
    expect((await getSyncMeta(db)).lastError).toMatchObject({
      code: 'http_502',
      message: expect.stringContaining('502'),
    });
    await syncOnce(deps, { force: true });
    expect((await getSyncMeta(db)).lastError?.code).toBe('bad_response');
    expect(await states()).toMatchObject({ pending: 3 });
  });

  it('reuses the batch id when the same events are retried after a lost answer', async () => {
    const { deps, seen } = await setup(3, (req, n) => {
      if (n === 0) throw new TypeError('socket hang up');
      return acceptAll(req);
    });
    await syncOnce(deps);
    await syncOnce(deps, { force: true });
    expect(seen).toHaveLength(2);
    expect(seen[1]?.batchId).toBe(seen[0]?.batchId);
    expect(seen[1]?.url).toBe(seen[0]?.url);
    expect((await getSyncMeta(db)).inFlight).toBeNull();
  });

  it('keeps the number the server echoes, and none from a server that does not', async () => {
    const { deps, seen, ids } = await setup(
      2,
      (req, n) => {
        const seq = Number(new URL(req.url).searchParams.get('seq'));
        return json(200, {
          accepted: req.events.length,
          rejected: [],
          receivedAt: new Date(T0).toISOString(),
          ...(n === 0 ? { seq } : {}),
        });
      },
      { limits: { maxEvents: 1, maxBodyBytes: 1_000_000 } },
    );
    await syncOnce(deps);
    expect(seen).toHaveLength(2);
    const first = await db.visits.get(ids[0] ?? '');
    expect(first?.ackSeq).toBe(Number(new URL(seen[0]?.url ?? '').searchParams.get('seq')));
    expect((await db.visits.get(ids[1] ?? ''))?.ackSeq).toBeUndefined();
  });

  it("keeps the server's receivedAt and the batches that may have stored each visit", async () => {
    const receivedAt = new Date(T0 + 42).toISOString();
    const { deps, seen, ids } = await setup(2, (req, n) => {
      if (n === 0) throw new TypeError('socket hang up');
      return json(200, { accepted: req.events.length, rejected: [], receivedAt });
    });
    await syncOnce(deps);
    // A third visit joins the outbox: the retry carries other events, so a batch id of its own.
    const third = makeVisit({ at: T0 - 1_000 });
    await recordFinishedVisits(db, [third], { syncEnabled: true, dayOf: utcDayOf });
    await syncOnce(deps, { force: true });
    const [lost, retry] = [seen[0]?.batchId, seen[1]?.batchId];
    expect(retry).not.toBe(lost);
    for (const id of ids) {
      expect(await db.visits.get(id)).toMatchObject({
        ackedAt: T0 + 42,
        ackBatches: [retry, lost],
      });
    }
    expect(await db.visits.get(third.id)).toMatchObject({
      ackedAt: T0 + 42,
      ackBatches: [retry],
    });
  });

  it('names every unanswered batch that carried a visit, and forgets a batch once answered', async () => {
    const receivedAt = new Date(T0 + 7).toISOString();
    const { deps, seen, ids } = await setup(1, (req, n) => {
      if (n < 2) throw new TypeError('socket hang up');
      return json(200, { accepted: req.events.length, rejected: [], receivedAt });
    });
    await syncOnce(deps);
    await recordFinishedVisits(db, [makeVisit({ at: T0 - 2_000 })], {
      syncEnabled: true,
      dayOf: utcDayOf,
    });
    await syncOnce(deps, { force: true });
    const third = makeVisit({ at: T0 - 1_000 });
    await recordFinishedVisits(db, [third], { syncEnabled: true, dayOf: utcDayOf });
    await syncOnce(deps, { force: true });
    const [first, second, answered] = seen.map((r) => r.batchId);
    expect(new Set([first, second, answered]).size).toBe(3);
    expect(await db.visits.get(ids[0] ?? '')).toMatchObject({
      ackBatches: [answered, first, second],
    });
    expect(await db.visits.get(third.id)).toMatchObject({ ackBatches: [answered] });
    expect((await getSyncMeta(db)).unanswered).toEqual([]);
  });

  it('marks no receivedAt when the server does not say it', async () => {
    const { deps, ids } = await setup(1, acceptAll);
    await syncOnce(deps);
    const visit = await db.visits.get(ids[0] ?? '');
    expect(visit).toMatchObject({ syncState: 'sent', sentAt: T0 });
    expect(visit?.ackedAt).toBeUndefined();
    expect(visit?.ackBatches).toBeUndefined();
  });

  it('counts an unanswered request as a failure after its timeout', async () => {
    db = freshTestDb();
    await recordFinishedVisits(db, [makeVisit()], { syncEnabled: true, dayOf: utcDayOf });
    const hang: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => {
        init.signal?.addEventListener('abort', () =>
          reject(new DOMException('aborted', 'AbortError')),
        );
      });
    const deps: SyncDeps = {
      db,
      config: { baseUrl: 'https://x', token: 't' },
      fetch: hang,
      now: () => T0,
      random: () => 0,
      timeoutMs: 20,
    };
    expect((await syncOnce(deps)).status).toBe('retry_scheduled');
    expect((await getSyncMeta(db)).lastError?.code).toBe('timeout');
  });

  it('stops without counting a failure when the caller aborts', async () => {
    const controller = new AbortController();
    const { deps } = await setup(
      3,
      () => {
        controller.abort();
        throw new DOMException('aborted', 'AbortError');
      },
      { signal: controller.signal },
    );
    expect((await syncOnce(deps)).status).toBe('aborted');
    expect((await getSyncMeta(db)).attempt).toBe(0);
  });

  it('sends plain JSON again when a proxy refuses the gzip encoding with 415', async () => {
    const { deps, seen } = await setup(30, (req) =>
      req.gzip ? apiError(415, 'unsupported_media_type', 'no gzip here') : acceptAll(req),
    );
    expect(await syncOnce(deps)).toMatchObject({ status: 'up_to_date', sent: 30, requests: 1 });
    expect(seen.map((r) => r.gzip)).toEqual([true, false]);
  });
});

describe('syncOnce: 401 and 403', () => {
  it.each([
    [401, 'unauthorized', 'The device token is not valid.'],
    [403, 'device_deleted', 'This device erased its data; register again to sync.'],
  ])(
    'stops on %i and stays blocked, sending nothing, even when forced',
    async (status, code, message) => {
      const { deps, seen } = await setup(3, () => apiError(status, code, message));
      expect(await syncOnce(deps)).toMatchObject({ status: 'blocked', sent: 0 });
      expect(await getSyncStatus(db)).toMatchObject({
        blocked: true,
        pendingCount: 3,
        lastError: { code, message, at: T0 },
        nextAttemptAt: null,
      });
      expect(await syncOnce(deps, { force: true })).toMatchObject({
        status: 'blocked',
        requests: 0,
      });
      expect(seen).toHaveLength(1);
      expect(await states()).toMatchObject({ pending: 3, sent: 0 });
    },
  );
});

describe('syncOnce: 413 and invalid_batch', () => {
  it('splits a batch the server finds too large until the halves fit, losing nothing', async () => {
    const { deps, seen } = await setup(500, (req) =>
      req.events.length > 130 ? apiError(413, 'payload_too_large', 'too big') : acceptAll(req),
    );
    const result = await syncOnce(deps);
    expect(result).toMatchObject({ status: 'up_to_date', sent: 500, rejected: 0 });
    // 500 -> 250+250 -> 4 x 125: 1 + 2 + 4 requests.
    expect(seen.map((r) => r.events.length)).toEqual([500, 250, 125, 125, 250, 125, 125]);
    expect(await states()).toMatchObject({ pending: 0, sent: 500 });
  });

  it('marks the one event the envelope check keeps refusing as rejected, sends the rest', async () => {
    const { deps, ids } = await setup(8, () => json(200, {}));
    const bad = ids[5] ?? '';
    const refusing: Answer = (req) =>
      req.events.some((e) => e.id === bad)
        ? apiError(400, 'invalid_batch', 'The batch envelope is invalid: events.0: bad')
        : acceptAll(req);
    const { fetch, seen } = fakeIngest(refusing);
    const result = await syncOnce({ ...deps, fetch });
    expect(result).toMatchObject({ status: 'up_to_date', sent: 7, rejected: 1 });
    expect(await db.visits.get(bad)).toMatchObject({
      syncState: 'rejected',
      rejectCode: 'invalid_batch',
      rejectReason: 'The batch envelope is invalid: events.0: bad',
    });
    // 8 -> 4 (bad) -> 2 (bad) -> 1 (bad) + 1, then 2, then 4: 7 requests.
    expect(seen).toHaveLength(7);
    expect(await oldestPending(db, 10)).toEqual([]);
  });
});
