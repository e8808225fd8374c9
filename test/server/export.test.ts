/**
 * GET /api/v1/me/export on real PostgreSQL: the keyset paging carries
 * started_at to the microsecond (a JS Date would cut it to the millisecond and
 * page the same rows forever), and a client that goes away stops the export.
 */

import type { Server } from 'node:http';
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRegistered } from '#protocol';
import { loadConfig } from '../../server/src/config.js';
import { createPool, type Pool } from '../../server/src/data-access/pool.js';
import { startApi } from '../../server/src/entry-points/api/start-api.js';
import { addressOf, closeServer } from '../../server/src/entry-points/http-server.js';
import { createMetrics } from '../../server/src/metrics.js';
import { registerDevice, waitFor } from '../harness/client.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase } from '../harness/server.js';

interface LogLine {
  level: number;
  msg: string;
  res?: { statusCode?: number };
}

/** Stores `count` visits of the device directly, started `firstMicros` µs after `start` and 1 µs apart (cycling every `span` µs). */
async function seedVisits(
  pool: Pool,
  deviceId: string,
  count: number,
  start: Date,
  opts: { firstMicros: number; span: number; stepMs?: number },
): Promise<void> {
  await pool.query(
    `INSERT INTO visits (id, started_at, ended_at, device_id, session_id, batch_id, url, domain,
       title, active_ms, transition, started_at_corrected, ended_at_corrected, clock_skew_ms,
       received_at)
     SELECT gen_random_uuid(), t, t + interval '1 minute', $1, gen_random_uuid(), gen_random_uuid(),
       'https://example.com/page/' || i, 'example.com', 'Page ' || i, 1000, 'link',
       t, t + interval '1 minute', 0, now()
       FROM generate_series(0, $2::int - 1) AS i,
       LATERAL (SELECT $3::timestamptz + ($4::int + i % $5::int) * interval '1 microsecond'
                         + i * $6::int * interval '1 millisecond' AS t) AS s`,
    [deviceId, count, start.toISOString(), opts.firstMicros, opts.span, opts.stepMs ?? 0],
  );
}

describe('GET /api/v1/me/export', () => {
  let pool: Pool;
  let server: Server;
  let base: string;
  const logs: LogLine[] = [];
  /** Export page queries PostgreSQL has been sent. */
  let pageQueries = 0;

  beforeAll(async () => {
    const databaseUrl = await freshDatabase('export');
    await prepareDatabase(databaseUrl);
    const log = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _enc, done): void {
          for (const line of chunk.toString('utf8').split('\n')) {
            if (line.trim() !== '') logs.push(JSON.parse(line) as LogLine);
          }
          done();
        },
      }),
    );
    pool = createPool(databaseUrl, 5, log);
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    (pool as { query: unknown }).query = (...args: unknown[]): unknown => {
      const first = args[0];
      const text = typeof first === 'string' ? first : (first as { text?: string }).text;
      if (text?.includes('FROM visits') === true && text.includes('ORDER BY started_at')) {
        pageQueries += 1;
      }
      return query(...args);
    };
    const config = {
      ...loadConfig({ HOST: '127.0.0.1', PORT: '0' }),
      rateLimit: { perDevicePerMinute: 1000, perIpPerMinute: 1000 },
    };
    server = await startApi({ config, pool, producer: null, log, metrics: createMetrics(false) });
    base = `http://127.0.0.1:${addressOf(server).port}`;
  });
  afterAll(async () => {
    if (server !== undefined) await closeServer(server);
    await pool?.end();
  });

  it('pages 1,500 visits started within one millisecond, each exactly once', async () => {
    const device: DeviceRegistered = await registerDevice(base);
    // Millisecond-aligned, an hour ago: the visits start 37 µs to 936 µs into it.
    const start = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    await seedVisits(pool, device.deviceId, 1500, start, { firstMicros: 37, span: 900 });

    // Read at most 20 MiB: the bug's export never ends.
    const res = await fetch(`${base}/api/v1/me/export`, {
      headers: { authorization: `Bearer ${device.token}` },
    });
    expect(res.status).toBe(200);
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      if (text.length > 20 * 1024 * 1024) break;
    }
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; id: string; startedAt: string });
    expect(lines[0]?.type).toBe('device');
    const visits = lines.slice(1);
    expect(visits.length).toBe(1500);
    expect(visits.every((v) => v.type === 'visit')).toBe(true);
    expect(new Set(visits.map((v) => v.id)).size).toBe(1500);
  });

  it('stops querying when the client goes away mid-export, and logs no error', async () => {
    const device = await registerDevice(base);
    // 40,000 visits a millisecond apart: 40 pages of 1,000.
    const start = new Date(Math.floor(Date.now() / 1000) * 1000 - 7_200_000);
    await seedVisits(pool, device.deviceId, 40_000, start, { firstMicros: 0, span: 1, stepMs: 1 });
    const before = pageQueries;
    const logsBefore = logs.length;

    // Read the first bytes, then hang up.
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${base}/api/v1/me/export`, {
        headers: { authorization: `Bearer ${device.token}` },
      });
      req.on('response', (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => {
        if ((err as { code?: string }).code !== 'ECONNRESET') reject(err);
      });
      req.end();
    });

    // The request is logged as over once the route has stopped.
    await waitFor(
      async () =>
        logs.slice(logsBefore).some((l) => l.msg === 'export stopped: the client went away'),
      'the export to stop',
      5_000,
    );
    const settled = pageQueries;
    await new Promise((r) => setTimeout(r, 500));
    expect(pageQueries).toBe(settled);
    expect(settled - before).toBeLessThan(40);
    const active = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND state = 'active' AND query LIKE '%FROM visits%'`,
    );
    expect(Number(active.rows[0]?.n)).toBe(0);
    const errors = logs.slice(logsBefore).filter((l) => l.level >= 50 || l.res?.statusCode === 500);
    expect(errors).toEqual([]);
  });
});
