/**
 * "All my browsers" behind two API replicas whose clocks differ (issue 18), in Kafka mode with
 * the consumer lagging. Replica A's clock runs a minute ahead of replica B's: a batch sent to A
 * and then one sent to B get receivedAts in the wrong order. Once the writer has applied A's
 * batch and not yet B's, a watermark ordered by receivedAt claims B's batch too, and its visit
 * goes missing from the total; ordered by the browser's own batch numbers (seq), it does not.
 * The extension's own sync, summary client and merge against the real server.
 */
// Must come first: Dexie looks for indexedDB when it is first imported.
import 'fake-indexeddb/auto';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '#protocol';
import {
  openTracksphereDb,
  type StoredVisit,
  type TracksphereDb,
} from '../../extension/db/index.js';
import {
  allBrowsersDay,
  summaryMark,
  unacknowledgedRows,
} from '../../extension/stats/all-browsers.js';
import { registerDevice, syncOnce } from '../../extension/sync/index.js';
import { fetchSummary } from '../../extension/sync/link-client.js';
import { loadConfig } from '../../server/src/config.js';
import { directSink } from '../../server/src/data-access/direct-sink.js';
import { createDeviceAuthenticator } from '../../server/src/domain/device-auth.js';
import { createApp } from '../../server/src/entry-points/api/app.js';
import { runConsumer } from '../../server/src/entry-points/consumer/run-consumer.js';
import { addressOf, closeServer, listen } from '../../server/src/entry-points/http-server.js';
import type { VisitConsumer, VisitProducer } from '../../server/src/messaging/kafka.js';
import { createMetrics } from '../../server/src/metrics.js';
import { waitFor } from '../harness/client.js';
import { testKafkaSettings, testLogger } from '../harness/server.js';
import { type KafkaStack, startKafkaStack } from './modes.js';

const HOUR = 3_600_000;
const utcDayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

describe('all my browsers behind two API replicas with different clocks (Kafka mode)', () => {
  let stack: KafkaStack;
  let db: TracksphereDb;
  let consumer: VisitConsumer | null = null;
  let replicaA: Server;

  beforeAll(async () => {
    stack = await startKafkaStack(
      { AUTH_CACHE_TTL_MS: '0' },
      { consumer: false, prefix: 'summary_replicas' },
    );
    db = openTracksphereDb(`summary-replicas-${crypto.randomUUID()}`);
    // Replica A: the same database and Kafka, its clock a minute ahead of B's (stack.server).
    const { pool } = stack.server;
    const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', AUTH_CACHE_TTL_MS: '0' });
    const app = createApp({
      pool,
      auth: createDeviceAuthenticator(pool, { ttlMs: 0 }),
      sink: stack.server.producer ?? directSink(pool),
      sinkName: 'kafka',
      log: testLogger('replica-a'),
      metrics: createMetrics(false),
      config,
      readiness: async () => ({ postgres: true }),
      now: () => new Date(Date.now() + 60_000),
    });
    replicaA = await listen(app, 0, '127.0.0.1');
  });
  afterAll(async () => {
    await consumer?.stop();
    if (replicaA !== undefined) await closeServer(replicaA);
    await stack?.stop();
    await db?.delete();
  });

  async function startWriter(): Promise<void> {
    consumer = await runConsumer({
      kafka: testKafkaSettings(stack.kafka.brokers),
      pool: stack.server.pool,
      producer: stack.server.producer as VisitProducer,
      log: testLogger('consumer'),
      metrics: createMetrics(false),
    });
  }

  it('counts a batch acknowledged by the slower clock after one by the faster', async () => {
    const urlB = stack.server.url;
    const urlA = `http://127.0.0.1:${addressOf(replicaA).port}`;
    const day = utcDayOf(Date.now() - 24 * HOUR);
    const dayStart = Date.parse(`${day}T10:00:00Z`);
    let n = 0;
    const record = async (activeMs: number): Promise<StoredVisit> => {
      n += 1;
      const start = dayStart + n * 60_000;
      const visit: StoredVisit = {
        id: crypto.randomUUID(),
        type: 'visit',
        url: `https://site${n}.test/`,
        domain: `site${n}.test`,
        title: null,
        startedAt: new Date(start).toISOString(),
        endedAt: new Date(start + activeMs + 1000).toISOString(),
        activeMs,
        sessionId: crypto.randomUUID(),
        transition: null,
        startedMs: start,
        syncState: 'pending',
      } as StoredVisit;
      await db.visits.add(visit);
      return visit;
    };
    const me = await registerDevice(
      { fetch, baseUrl: urlB, db },
      { extensionVersion: '0.1.0', browser: { name: 'Chrome', version: '131.0' }, os: 'Linux' },
    );
    const sync = (baseUrl: string) =>
      syncOnce(
        { db, config: { baseUrl, token: me.token }, fetch, now: Date.now, random: () => 0 },
        { force: true },
      );
    const stored = async (): Promise<number> =>
      Number(
        (
          await stack.server.pool.query<{ n: string }>(
            'SELECT count(*) AS n FROM visits WHERE device_id = $1',
            [me.deviceId],
          )
        ).rows[0]?.n,
      );
    const summary = async (): Promise<Summary> => {
      const s = await fetchSummary(
        { fetch, baseUrl: urlB, token: me.token },
        { from: day, to: day, tz: 'UTC' },
      );
      if ('code' in s) throw new Error(`summary: ${s.code} ${s.message}`);
      return s;
    };
    const shownMs = async (): Promise<number> => {
      const cached = { summary: await summary(), fetchedAt: Date.now() };
      const extra = await unacknowledgedRows(db, day, summaryMark(cached, me.deviceId), utcDayOf);
      const all = allBrowsersDay({ deviceId: me.deviceId, cached, error: null }, day, extra, []);
      return (all?.rows ?? []).reduce((sum, row) => sum + row.activeMs, 0);
    };

    // The first batch through replica A (clock ahead), written by the consumer.
    const first = await record(10_000);
    expect((await sync(urlA)).status).toBe('up_to_date');
    await startWriter();
    await waitFor(async () => (await stored()) === 1, 'the first batch written');
    await consumer?.stop();
    consumer = null;

    // The second through replica B (clock behind): acknowledged with an earlier receivedAt.
    const second = await record(20_000);
    expect((await sync(urlB)).status).toBe('up_to_date');
    const [a, b] = [await db.visits.get(first.id), await db.visits.get(second.id)];
    expect(b?.ackedAt).toBeLessThan(a?.ackedAt ?? 0);
    expect(b?.ackSeq).toBeGreaterThan(a?.ackSeq ?? Number.POSITIVE_INFINITY);
    expect(await stored()).toBe(1);

    // The summary holds the first batch only, and says so by its number.
    const s = await summary();
    expect(s.appliedSeq).toBe(a?.ackSeq);
    expect(s.lastBatchId).toBe(a?.ackBatches?.[0]);
    expect(await shownMs()).toBe(30_000);

    // The writer catches up: the same total, nothing counted twice.
    await startWriter();
    await waitFor(async () => (await stored()) === 2, 'the second batch written');
    await waitFor(async () => (await summary()).appliedSeq === b?.ackSeq, 'the watermark moved');
    expect(await shownMs()).toBe(30_000);
  }, 120_000);
});
