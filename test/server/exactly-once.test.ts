/** DESIGN.md guarantee 2: retries at any hop are harmless. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '#protocol';
import { makeBatch, makeEvent, postEvents, registerDevice, waitFor } from '../harness/client.js';
import { MODES, type Stack, startStack } from './modes.js';

describe.each(MODES)('the same events sent three times (%s mode)', (mode) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(mode);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('1,000 events sent three times concurrently land exactly once', async () => {
    const device = await registerDevice(stack.server.url);
    const events = Array.from({ length: 1_000 }, () => makeEvent());
    const batches = [makeBatch(events.slice(0, 500)), makeBatch(events.slice(500))];
    // Three clients retrying the same two batches at the same time.
    const sends = [0, 1, 2].flatMap(() =>
      batches.map((b) =>
        postEvents<IngestResult>(stack.server.url, device.token, b, { gzip: true }),
      ),
    );
    const results = await Promise.all(sends);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ accepted: 500, rejected: [], receivedAt: expect.any(String) });
    }
    const ids = events.map((e) => e.id);
    const count = async (): Promise<number> => {
      const r = await stack.server.pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM visits WHERE device_id = $1',
        [device.deviceId],
      );
      return Number(r.rows[0]?.n);
    };
    await waitFor(async () => (await count()) >= 1_000, '1,000 rows');
    if (mode === 'kafka') {
      // Every copy has been consumed: 3,000 records produced (one message per request, six
      // messages), all written or found duplicate. The batch-size metric counts records.
      await waitFor(async () => {
        const m = await stack.server.metrics.consumerWritten.get();
        const inserted = m.values.find((v) => v.labels.outcome === 'inserted')?.value ?? 0;
        const batchesSeen = (await stack.server.metrics.consumerBatchSize.get()).values.find(
          (v) => v.metricName === 'tracksphere_consumer_batch_size_sum',
        )?.value;
        return inserted >= 1_000 && batchesSeen === 3_000;
      }, 'all 3,000 records consumed');
    }
    expect(await count()).toBe(1_000);
    const distinct = await stack.server.pool.query<{ n: string }>(
      'SELECT count(DISTINCT id) AS n FROM visits WHERE id = ANY($1::uuid[])',
      [ids],
    );
    expect(Number(distinct.rows[0]?.n)).toBe(1_000);
  });
});
