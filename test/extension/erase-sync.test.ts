/**
 * Erasing a site through the extension's own code against the real server in Kafka mode:
 * the visits sent just before are still in Kafka when the erase arrives (no writer running
 * yet), so the server deletes nothing; once the writer stored them, the erase the extension
 * kept is sent again after its next successful sync and deletes them (docs/api.md).
 */
// Must come first: Dexie looks for indexedDB when it is first imported.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { TracksphereDb } from '../../extension/db/index.js';
import { runConsumer } from '../../server/src/entry-points/consumer/run-consumer.js';
import type { VisitConsumer } from '../../server/src/messaging/kafka.js';
import { createMetrics } from '../../server/src/metrics.js';
import { makeEvent, waitFor } from '../harness/client.js';
import { testKafkaSettings, testLogger } from '../harness/server.js';
import { type KafkaStack, startKafkaStack } from '../server/modes.js';

// The extension's storage.local, as the extension project's tests have it. The extension's
// modules are imported after it: the sync client's messages (i18n) reach the browser's API,
// and WXT's storage takes the browser it finds when first imported.
(globalThis as { chrome?: unknown }).chrome = fakeBrowser;
const { openTracksphereDb, pendingCount, recordFinishedVisits } = await import(
  '../../extension/db/index.js'
);
const { registerDevice, syncOnce } = await import('../../extension/sync/index.js');
const { createHistoryEraser, resendErasesAfterSync, SETTLE_MS, serverErasesItem } = await import(
  '../../extension/background/history-erase.js'
);
const { syncConfigItem } = await import('../../extension/settings/index.js');

const utcDayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

describe('erasing a site while its visits are in flight (Kafka mode)', () => {
  let stack: KafkaStack;
  let db: TracksphereDb;
  let consumer: VisitConsumer | null = null;

  beforeAll(async () => {
    stack = await startKafkaStack({}, { consumer: false, prefix: 'erase_in_flight' });
    db = openTracksphereDb(`erase-it-${crypto.randomUUID()}`);
  });
  afterAll(async () => {
    await consumer?.stop();
    await stack?.stop();
    await db?.delete();
  });

  it('deletes the visits the first erase missed after the next successful sync', async () => {
    const baseUrl = stack.server.url;
    const device = await registerDevice(
      { fetch, baseUrl, db },
      { extensionVersion: '0.1.0', browser: { name: 'Chrome', version: '131.0' }, os: 'Linux' },
    );
    await syncConfigItem.setValue({
      enabled: true,
      serverUrl: baseUrl,
      deviceId: device.deviceId,
      token: device.token,
    });
    const site = [
      makeEvent(),
      makeEvent({ domain: 'www.example.com', url: 'https://www.example.com/a' }),
    ];
    const other = makeEvent({ domain: 'other.org', url: 'https://other.org/' });
    await recordFinishedVisits(db, [...site, other], { syncEnabled: true, dayOf: utcDayOf });
    const clock = { now: Date.now() };
    const syncDeps = {
      db,
      config: { baseUrl, token: device.token },
      fetch,
      now: () => clock.now,
      random: () => 0,
    };
    expect((await syncOnce(syncDeps, { force: true })).status).toBe('up_to_date');
    expect(await pendingCount(db)).toBe(0);

    const eraser = createHistoryEraser(db, { fetch, now: () => clock.now, dayOf: utcDayOf });
    const result = await eraser.erase({ site: 'example.com' });
    // Accepted into Kafka, not written yet: the server had nothing to delete.
    expect(result).toEqual({ localVisits: 2, server: { deletedVisits: 0 } });
    expect(await serverErasesItem.getValue()).toHaveLength(1);

    consumer = await runConsumer({
      kafka: testKafkaSettings(stack.kafka.brokers),
      pool: stack.server.pool,
      producer: stack.server.producer as NonNullable<typeof stack.server.producer>,
      log: testLogger('consumer'),
      metrics: createMetrics(false),
    });
    const stored = async (): Promise<string[]> =>
      (
        await stack.server.pool.query<{ domain: string }>(
          'SELECT domain FROM visits WHERE device_id = $1 ORDER BY domain',
          [device.deviceId],
        )
      ).rows.map((r) => r.domain);
    await waitFor(async () => (await stored()).length === 3, 'the writer stored the visits');

    clock.now += SETTLE_MS;
    const runSync = resendErasesAfterSync(async () => {
      const run = await syncOnce(syncDeps, { force: true });
      expect(run.status).toBe('up_to_date');
      return { status: 'done', sent: run.sent, rejected: run.rejected, pending: 0 };
    }, eraser);
    await runSync();

    expect(await stored()).toEqual(['other.org']);
    expect(await serverErasesItem.getValue()).toEqual([]);
  });
});
