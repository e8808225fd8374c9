/**
 * The compiled server (scripts/build-server.ts), what the image and `npm run start:*` run: built
 * into a folder of its own (beside node_modules, as dist/server is), then run as production runs
 * it (`node --enable-source-maps <bundle>`, which cannot load TypeScript) against the test
 * PostgreSQL: the migrations (found beside the bundles), the API writing directly and in Kafka
 * mode with the compiled consumer, the admin.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '#protocol';
import { buildServer, SERVER_BUNDLES } from '../../scripts/build-server.js';
import {
  makeBatch,
  makeEvent,
  postEvents,
  registerDevice,
  request,
  waitFor,
} from '../harness/client.js';
import { freshDatabase } from '../harness/database.js';
import { startMockKafka } from '../harness/kafka-mock.js';
import { type ServerProcess, spawnNode } from '../harness/process.js';
import { kafkaEnv, testKafkaSettings } from '../harness/server.js';
import { repoPath } from './repo-root.js';

const execFileAsync = promisify(execFile);

let out: string;
const running: ServerProcess[] = [];

beforeAll(async () => {
  await mkdir(repoPath('test-output'), { recursive: true });
  out = await mkdtemp(repoPath('test-output', 'compiled-server-'));
  await buildServer(out);
}, 60_000);

afterAll(async () => {
  for (const proc of running.splice(0)) await proc.kill('SIGKILL');
  await rm(out, { recursive: true, force: true });
});

function bundle(name: string): string {
  return join(out, name);
}

/** A compiled entry point as the image starts it. */
function start(name: string, env: Record<string, string>): ServerProcess {
  const proc = spawnNode(name, ['--enable-source-maps', bundle(name)], {
    HOST: '127.0.0.1',
    PORT: '0',
    MIGRATE_ON_START: 'false',
    ...env,
  });
  running.push(proc);
  return proc;
}

async function runMigrate(databaseUrl: string): Promise<string> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--enable-source-maps', bundle('migrate.mjs')],
    { env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' } },
  );
  return stdout;
}

async function startApi(env: Record<string, string>): Promise<string> {
  const api = start('api.mjs', env);
  await api.waitForOutput(/ingest API ready/, 30_000);
  const url = /"url":"(http:\/\/[^"]+)\/api\/v1"/.exec(api.output())?.[1];
  if (url === undefined) throw new Error(`no API url in:\n${api.output()}`);
  return url;
}

async function storedIds(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('SELECT id::text FROM visits');
    return rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

describe('npm run build:server', () => {
  it('writes one bundle per entry point, each with its source map, and the migrations', async () => {
    const files = await readdir(out);
    for (const name of Object.keys(SERVER_BUNDLES)) {
      expect(files).toContain(name);
      expect(files).toContain(`${name}.map`);
    }
    // The server's code and protocol/ are compiled in; only npm packages are imported.
    const api = await readFile(bundle('api.mjs'), 'utf8');
    expect(api).not.toMatch(/from ["'](#|\.)/);
    expect(api).toMatch(/^\/\/# sourceMappingURL=api\.mjs\.map$/m);
    // The map leads a stack trace's line back to the TypeScript (Node's own reader).
    const map = new SourceMap(JSON.parse(await readFile(bundle('api.mjs.map'), 'utf8')));
    const lines = api.split('\n');
    const line = lines.findIndex((l) => l.startsWith('function bootstrap('));
    expect(map.findEntry(line, 0)).toMatchObject({
      originalSource: expect.stringMatching(/server\/src\/entry-points\/bootstrap\.ts$/),
      originalLine: (await readFile(repoPath('server/src/entry-points/bootstrap.ts'), 'utf8'))
        .split('\n')
        .findIndex((l) => l.startsWith('export function bootstrap(')),
    });
    const sql = (await readdir(join(out, 'migrations'))).filter((f) => f.endsWith('.sql'));
    expect(sql.length).toBeGreaterThan(0);
  });

  it('runs the compiled admin: --help on stdout, exit 0', async () => {
    const { stdout } = await execFileAsync(process.execPath, [
      '--enable-source-maps',
      bundle('admin.mjs'),
      '--help',
    ]);
    expect(stdout).toMatch(/^Usage: /);
    expect(stdout).toContain('codes create');
  });
});

describe('the compiled server on PostgreSQL', () => {
  it('migrates with the SQL files beside the bundle, then serves the API writing directly', async () => {
    const databaseUrl = await freshDatabase('compiled_direct');
    expect(await runMigrate(databaseUrl)).toContain('database ready');
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const applied = await client.query('SELECT name FROM pgmigrations');
    await client.end();
    const sql = (await readdir(join(out, 'migrations'))).filter((f) => f.endsWith('.sql'));
    expect(applied.rowCount).toBe(sql.length);

    const url = await startApi({ DATABASE_URL: databaseUrl, KAFKA_BROKERS: '' });
    const ready = await request<{ status: string }>(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    const device = await registerDevice(url);
    const event = makeEvent();
    const res = await postEvents<IngestResult>(url, device.token, makeBatch([event]));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: 1, rejected: [], receivedAt: expect.any(String) });
    expect(await storedIds(databaseUrl)).toEqual([event.id]);
  });

  it('runs the API and the consumer in Kafka mode: a batch reaches PostgreSQL through Kafka', async () => {
    const databaseUrl = await freshDatabase('compiled_kafka');
    await runMigrate(databaseUrl);
    const kafka = await startMockKafka({
      topics: [
        { name: 'visits.v1', partitions: 3 },
        { name: 'visits.v1.dlq', partitions: 1 },
      ],
    });
    try {
      const env = { DATABASE_URL: databaseUrl, ...kafkaEnv(testKafkaSettings(kafka.brokers)) };
      const consumer = start('consumer.mjs', { ...env, CONSUMER_PORT: '0' });
      await consumer.waitForOutput(/consumer running/, 30_000);
      const url = await startApi(env);
      await waitFor(
        async () => (await request(`${url}/readyz`)).status === 200,
        'the API ready with Kafka',
      );
      const device = await registerDevice(url);
      const events = [makeEvent(), makeEvent()];
      const res = await postEvents<IngestResult>(url, device.token, makeBatch(events));
      expect(res.body).toEqual({ accepted: 2, rejected: [], receivedAt: expect.any(String) });
      await waitFor(
        async () => (await storedIds(databaseUrl)).length === 2,
        'the consumer storing the batch',
      );
      expect((await storedIds(databaseUrl)).sort()).toEqual(events.map((e) => e.id).sort());
    } finally {
      for (const proc of running.splice(0)) await proc.kill('SIGTERM');
      await kafka.stop();
    }
  }, 60_000);
});
