/**
 * `npm run server` with no DATABASE_URL and no KAFKA_BROKERS: the real entry
 * point starts an embedded PostgreSQL in DATA_DIR, serves the API, and stops
 * everything cleanly on SIGTERM.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '#protocol';
import { makeBatch, makeEvent, postEvents, registerDevice, request } from '../harness/client.js';
import { spawnEntryPoint } from '../harness/process.js';

describe('npm run server (embedded defaults)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('serves the API backed by embedded PostgreSQL, keeps data across restarts, and exits 0 on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tracksphere-embedded-'));
    dirs.push(dataDir);
    // As root, PostgreSQL runs as the postgres user, which must be able to reach the folder.
    await chmod(dataDir, 0o755);
    const env = { DATA_DIR: dataDir, PORT: '0', DATABASE_URL: '', KAFKA_BROKERS: '' };

    const first = spawnEntryPoint('server/src/entry-points/server.ts', env);
    await first.waitForOutput(/Tracksphere server ready/, 60_000);
    const url = /"url":"(http:\/\/[^"]+)\/api\/v1"/.exec(first.output())?.[1];
    expect(url).toBeDefined();
    const base = url as string;
    const device = await registerDevice(base);
    const e = makeEvent();
    const res = await postEvents<IngestResult>(base, device.token, makeBatch([e]));
    expect(res.body).toEqual({ accepted: 1, rejected: [], receivedAt: expect.any(String) });
    expect(await first.kill('SIGTERM')).toBe(0);
    expect(first.output()).toContain('"msg":"stopped"');

    const second = spawnEntryPoint('server/src/entry-points/server.ts', env);
    try {
      await second.waitForOutput(/Tracksphere server ready/, 60_000);
      const url2 = /"url":"(http:\/\/[^"]+)\/api\/v1"/.exec(second.output())?.[1] as string;
      const exported = await request(`${url2}/api/v1/me/export`, {
        headers: { authorization: `Bearer ${device.token}` },
      });
      expect(exported.status).toBe(200);
      expect(exported.text).toContain(e.id);
      expect(await second.kill('SIGTERM')).toBe(0);
    } finally {
      await second.kill('SIGKILL');
    }
  }, 120_000);
});

describe('bad configuration', () => {
  it.each([
    ['server/src/entry-points/server.ts', { PORT: 'eighty' }, /PORT: /],
    ['server/src/entry-points/server.ts', { KAFKA_BROKERS: 'no-port-here' }, /KAFKA_BROKERS: /],
    ['server/src/entry-points/consumer/main.ts', { KAFKA_BROKERS: '' }, /KAFKA_BROKERS: required/],
  ])('%s stops at start naming the variable (%o)', async (entry, env, message) => {
    const proc = spawnEntryPoint(entry, { DATABASE_URL: '', ...env });
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toMatch(message);
  });
});
