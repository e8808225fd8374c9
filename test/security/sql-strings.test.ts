/**
 * Text that looks like SQL goes through every layer as data: stored verbatim
 * and exported verbatim, with the tables intact afterwards. (The repository
 * level is covered in test/server/database.test.ts; this goes through the API.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IngestResult, redactUrl } from '#protocol';
import { makeBatch, makeEvent, postEvents, request } from '../harness/client.js';
import { type Stack, startStack } from '../server/modes.js';
import { bearer } from './error-body.js';

const SQL_TEXT = [
  "'); DROP TABLE visits; --",
  "' OR '1'='1",
  '"; DELETE FROM devices WHERE "1"="1',
  '$1, $2); SELECT pg_sleep(10); --',
  "\\'; COPY devices TO '/tmp/x'; --",
  '$$; TRUNCATE erased_devices; $$',
  '/* */ UNION SELECT token_hash FROM devices --',
];

describe('SQL-looking input', () => {
  let stack: Stack;
  let base: string;

  beforeAll(async () => {
    stack = await startStack('embedded');
    base = stack.server.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('stores and exports SQL-looking labels, titles and URLs verbatim', async () => {
    const label = SQL_TEXT.join(' ').slice(0, 200);
    const reg = await request<{ deviceId: string; token: string }>(`${base}/api/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        extensionVersion: "1'--",
        browser: { name: "Chrome'); --", version: '$1' },
        os: '; DROP TABLE devices',
        label,
      }),
    });
    expect(reg.status).toBe(201);
    const { token, deviceId } = reg.body;
    const events = SQL_TEXT.map((text) =>
      makeEvent({ title: text, url: `https://example.com/q?s=${encodeURIComponent(text)}` }),
    );
    const res = await postEvents<IngestResult>(base, token, makeBatch(events));
    expect(res.body).toEqual({
      accepted: events.length,
      rejected: [],
      receivedAt: expect.any(String),
    });

    const exported = await request(`${base}/api/v1/me/export`, { headers: bearer(token) });
    const lines = exported.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({
      id: deviceId,
      label,
      extensionVersion: "1'--",
      browserName: "Chrome'); --",
      browserVersion: '$1',
      os: '; DROP TABLE devices',
    });
    const byId = new Map(lines.slice(1).map((l) => [l.id, l]));
    for (const e of events) {
      expect(byId.get(e.id)).toMatchObject({ title: e.title, url: redactUrl(e.url ?? '', 'full') });
    }
    const tables = await stack.server.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.tables
        WHERE table_name IN ('visits', 'devices', 'erased_devices')`,
    );
    expect(tables.rows[0]?.n).toBe(3);
  });
});
