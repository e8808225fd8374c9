/**
 * "All my browsers" while the Kafka consumer lags (issue 18): the API acknowledges a batch once
 * Kafka has it and the consumer writes it later, so for a while a visit is acknowledged and not
 * in the summary. The extension's own code (its outbox, sync, summary client and merge) against
 * the real server in Kafka mode, with the consumer stopped after the API acknowledged batches:
 * the summary plus what the extension adds must be the true total, before and after the
 * consumer writes them, including a visit whose first send's answer was lost (stored already,
 * acknowledged again in a later batch).
 */
// Must come first: Dexie looks for indexedDB when it is first imported.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResult, Summary } from '#protocol';
import {
  openTracksphereDb,
  pendingCount,
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
import { runConsumer } from '../../server/src/entry-points/consumer/run-consumer.js';
import type { VisitConsumer } from '../../server/src/messaging/kafka.js';
import { createMetrics } from '../../server/src/metrics.js';
import {
  makeBatch,
  makeEvent,
  postEvents,
  registerDevice as registerTestDevice,
  waitFor,
} from '../harness/client.js';
import { testKafkaSettings, testLogger } from '../harness/server.js';
import { link } from './link-kit.js';
import { type KafkaStack, startKafkaStack } from './modes.js';

const HOUR = 3_600_000;
const utcDayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

describe('all my browsers while the consumer lags (Kafka mode)', () => {
  let stack: KafkaStack;
  let db: TracksphereDb;
  let consumer: VisitConsumer | null = null;

  beforeAll(async () => {
    stack = await startKafkaStack(
      { AUTH_CACHE_TTL_MS: '0' },
      { consumer: false, prefix: 'summary_lag' },
    );
    db = openTracksphereDb(`summary-lag-${crypto.randomUUID()}`);
  });
  afterAll(async () => {
    await consumer?.stop();
    await stack?.stop();
    await db?.delete();
  });

  async function startWriter(): Promise<void> {
    consumer = await runConsumer({
      kafka: testKafkaSettings(stack.kafka.brokers),
      pool: stack.server.pool,
      producer: stack.server.producer as NonNullable<typeof stack.server.producer>,
      log: testLogger('consumer'),
      metrics: createMetrics(false),
    });
  }

  async function stopWriter(): Promise<void> {
    await consumer?.stop();
    consumer = null;
  }

  it('adds exactly the acknowledged visits the summary lacks, before and after the writer', async () => {
    const baseUrl = stack.server.url;
    // Yesterday (UTC), mid-morning: one day whatever the time the test runs.
    const day = utcDayOf(Date.now() - 24 * HOUR);
    const dayStart = Date.parse(`${day}T10:00:00Z`);
    let n = 0;
    /** A visit of this browser to a site of its own, recorded with sync on (in the outbox). */
    const record = async (activeMs: number): Promise<StoredVisit> => {
      n += 1;
      const start = dayStart + n * 60_000;
      const event = makeEvent({
        domain: `site${n}.test`,
        url: `https://site${n}.test/`,
        startedAt: new Date(start).toISOString(),
        endedAt: new Date(start + activeMs + 1000).toISOString(),
        activeMs,
      });
      const visit: StoredVisit = { ...event, startedMs: start, syncState: 'pending' };
      await db.visits.add(visit);
      return visit;
    };

    const me = await registerDevice(
      { fetch, baseUrl, db },
      { extensionVersion: '0.1.0', browser: { name: 'Chrome', version: '131.0' }, os: 'Linux' },
    );
    const other = await registerTestDevice(baseUrl);
    await link(baseUrl, me.token, other.token);

    let loseAnswer = false;
    const sync = (force = true) =>
      syncOnce(
        {
          db,
          config: { baseUrl, token: me.token },
          // The server takes the request; the answer is lost on the way back (a timeout).
          fetch: async (url, init) => {
            const res = await fetch(url, init);
            if (loseAnswer && new URL(String(url)).pathname === '/api/v1/events') {
              loseAnswer = false;
              throw new TypeError('network error: the answer was lost');
            }
            return res;
          },
          now: Date.now,
          random: () => 0,
        },
        { force },
      );
    const stored = async (deviceId: string): Promise<number> =>
      Number(
        (
          await stack.server.pool.query<{ n: string }>(
            'SELECT count(*) AS n FROM visits WHERE device_id = $1',
            [deviceId],
          )
        ).rows[0]?.n,
      );

    /** The true figures of the day per site: every visit recorded, whatever its state. */
    const truth = new Map<string, { activeMs: number; visits: number }>();
    const count = (domain: string, activeMs: number) => {
      const t = truth.get(domain) ?? { activeMs: 0, visits: 0 };
      truth.set(domain, { activeMs: t.activeMs + activeMs, visits: t.visits + 1 });
    };
    const mine = async (activeMs: number) => {
      const v = await record(activeMs);
      count(v.domain, activeMs);
      return v;
    };

    const summaryOf = async (token: string): Promise<Summary> => {
      const summary = await fetchSummary(
        { fetch, baseUrl, token },
        { from: day, to: day, tz: 'UTC' },
      );
      if ('code' in summary) throw new Error(`summary: ${summary.code} ${summary.message}`);
      return summary;
    };
    /** This browser's watermark in the summary. */
    const watermark = async () => {
      const summary = await summaryOf(me.token);
      return { through: summary.appliedThrough?.[me.deviceId], batch: summary.lastBatchId };
    };

    /** "All my browsers" of the day as the popup computes it, per site. */
    const shown = async () => {
      const cached = { summary: await summaryOf(me.token), fetchedAt: Date.now() };
      const extra = await unacknowledgedRows(db, day, summaryMark(cached, me.deviceId), utcDayOf);
      const all = allBrowsersDay({ deviceId: me.deviceId, cached, error: null }, day, extra, []);
      const bySite = new Map<string, { activeMs: number; visits: number }>();
      for (const row of all?.rows ?? []) {
        const s = bySite.get(row.domain) ?? { activeMs: 0, visits: 0 };
        bySite.set(row.domain, {
          activeMs: s.activeMs + row.activeMs,
          visits: s.visits + row.visits,
        });
      }
      return bySite;
    };

    // 1. Written: two visits of this browser and one of the other, the writer running.
    await startWriter();
    await mine(11_000);
    await mine(12_000);
    const theirs = makeEvent({
      domain: 'other.test',
      url: 'https://other.test/',
      startedAt: new Date(dayStart).toISOString(),
      endedAt: new Date(dayStart + 31_000).toISOString(),
      activeMs: 30_000,
    });
    expect((await postEvents(baseUrl, other.token, makeBatch([theirs]))).status).toBe(200);
    count('other.test', 30_000);
    expect((await sync()).status).toBe('up_to_date');
    await waitFor(async () => (await stored(me.deviceId)) === 2, 'the first batch written');
    await waitFor(async () => (await stored(other.deviceId)) === 1, "the other's visit written");

    // 2. A batch the server stores whose answer is lost: the visit stays in the outbox.
    const lost = await mine(13_000);
    loseAnswer = true;
    expect((await sync()).status).toBe('retry_scheduled');
    await waitFor(async () => (await stored(me.deviceId)) === 3, 'the unanswered batch written');
    expect(await db.visits.get(lost.id)).toMatchObject({ syncState: 'pending' });

    // 3. The writer held back: the API acknowledges what only Kafka has.
    await stopWriter();
    await mine(14_000); // sent with the lost one again, in a batch of another id
    expect((await sync()).status).toBe('up_to_date');
    const fifth = await mine(15_000);
    expect((await sync()).status).toBe('up_to_date');
    await mine(16_000); // never sent: in the outbox
    expect(await pendingCount(db)).toBe(1);
    expect(await db.visits.get(lost.id)).toMatchObject({ syncState: 'sent' });
    expect(await stored(me.deviceId)).toBe(3);

    expect(Object.fromEntries(await shown())).toEqual(Object.fromEntries(truth));
    // The summary's watermark is the unanswered batch's, which the lost visit names second.
    const resent = await db.visits.get(lost.id);
    expect(resent?.ackBatches).toHaveLength(2);
    expect((await watermark()).batch).toBe(resent?.ackBatches?.[1]);

    // 4. The writer catches up: the same figures, nothing counted twice.
    await startWriter();
    await waitFor(async () => (await stored(me.deviceId)) === 5, 'the held-back batches written');
    expect(Object.fromEntries(await shown())).toEqual(Object.fromEntries(truth));
    const last = await db.visits.get(fifth.id);
    expect(await watermark()).toEqual({
      through: new Date(last?.ackedAt ?? 0).toISOString(),
      batch: last?.ackBatches?.[0],
    });

    // 5. A batch whose visits are all stored already (a resend) stores nothing and still moves
    // the watermark: its visits are in the figures.
    const resend = makeBatch([theirs]);
    const again = await postEvents<IngestResult>(baseUrl, other.token, resend);
    expect(again.status).toBe(200);
    await waitFor(
      async () =>
        (await summaryOf(other.token)).appliedThrough?.[other.deviceId] === again.body.receivedAt,
      "the other's watermark at the resend",
    );
    expect((await summaryOf(other.token)).lastBatchId).toBe(resend.batchId);
    expect(await stored(other.deviceId)).toBe(1);
  }, 120_000);
});
