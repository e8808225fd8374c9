import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase } from './database.js';
import { type PgCluster, startPgCluster } from './postgres.js';

const here = dirname(fileURLToPath(import.meta.url));

async function query<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function currentDatabase(url: string): Promise<string> {
  const rows = await query<{ db: string }>(url, 'SELECT current_database() AS db');
  return rows[0]?.db ?? '';
}

/**
 * True if the process exists and is not a zombie. (A server killed by pdeathsig is reparented
 * to PID 1, and in some containers PID 1 never reaps, so kill(pid, 0) alone would say "alive".)
 */
async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

async function postmasterPid(dataDir: string): Promise<number> {
  const firstLine = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0];
  return Number(firstLine);
}

describe('shared cluster (globalSetup) + freshDatabase', () => {
  it('provides a base URL on 127.0.0.1', () => {
    expect(inject('pgBaseUrl')).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
  });

  it('gives a database that accepts a table, an insert and a select', async () => {
    const url = await freshDatabase('harness');
    const pool = new pg.Pool({ connectionString: url });
    pool.on('error', () => {});
    try {
      await pool.query('CREATE TABLE item (id serial PRIMARY KEY, name text NOT NULL)');
      await pool.query('INSERT INTO item (name) VALUES ($1), ($2)', ['a', 'b']);
      const { rows } = await pool.query<{ name: string }>('SELECT name FROM item ORDER BY id');
      expect(rows.map((r) => r.name)).toEqual(['a', 'b']);
      const settings = await pool.query<{ fsync: string; synchronous_commit: string }>(
        "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit",
      );
      expect(settings.rows[0]).toEqual({ fsync: 'off', synchronous_commit: 'on' });
    } finally {
      await pool.end();
    }
  });

  it('gives distinct databases on each call', async () => {
    const [a, b] = await Promise.all([freshDatabase('same'), freshDatabase('same')]);
    expect(a).not.toBe(b);
    const [dbA, dbB] = await Promise.all([currentDatabase(a), currentDatabase(b)]);
    expect(dbA).toMatch(/^same_/);
    expect(dbB).toMatch(/^same_/);
    expect(dbA).not.toBe(dbB);
    await query(a, 'CREATE TABLE only_in_a (x int)');
    const rows = await query<{ n: number }>(
      b,
      "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'only_in_a'",
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('sanitises odd prefixes into valid names', async () => {
    const url = await freshDatabase('9 Weird-Prefix!');
    expect(await currentDatabase(url)).toMatch(/^db_9_weird_prefix_[a-z0-9_]+$/);
  });
});

describe('private cluster (startPgCluster)', () => {
  let cluster: PgCluster;

  beforeAll(async () => {
    cluster = await startPgCluster();
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('keeps committed rows across a fast stop and restart on the same port', async () => {
    const url = await cluster.createDatabase('restart');
    const pool = new pg.Pool({ connectionString: url });
    // Must be attached BEFORE stopping: the idle pooled connection gets terminated by the
    // shutdown and pg emits 'error' on the pool; unhandled, that would crash the worker.
    pool.on('error', () => {});
    await pool.query('CREATE TABLE t (v int)');
    await pool.query('INSERT INTO t VALUES (1), (2)');
    const port = cluster.port;

    await cluster.stop('fast');
    await expect(query(url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);

    await cluster.start();
    expect(cluster.port).toBe(port);
    const rows = await query<{ v: number }>(url, 'SELECT v FROM t ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual([1, 2]);
    await pool.end();
  });

  it('keeps committed rows across an immediate (crash-like) stop', async () => {
    const url = await cluster.createDatabase('crash');
    await query(url, 'CREATE TABLE t (v int)');
    await query(url, 'INSERT INTO t VALUES (42)');
    const pid = await postmasterPid(cluster.dataDir);

    await cluster.stop('immediate');
    expect(await isAlive(pid)).toBe(false);
    await expect(query(url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await cluster.stop(); // stopping a stopped cluster is a no-op

    await cluster.start();
    const rows = await query<{ v: number }>(url, 'SELECT v FROM t');
    expect(rows).toEqual([{ v: 42 }]);
  });

  it('destroy() stops the server and removes the data folder', async () => {
    const other = await startPgCluster();
    const pid = await postmasterPid(other.dataDir);
    expect(existsSync(other.dataDir)).toBe(true);
    await other.destroy();
    expect(existsSync(other.dataDir)).toBe(false);
    expect(existsSync(dirname(other.dataDir))).toBe(false);
    expect(await isAlive(pid)).toBe(false);
    await expect(query(other.url(), 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    await other.destroy(); // idempotent
  });
});

describe('orphan protection', () => {
  it('kills the server when the Node process that started it is SIGKILLed', async () => {
    // A separate Node process starts a cluster, reports where it is, and is then killed -9.
    const script = `
      import { startPgCluster } from ${JSON.stringify(join(here, 'postgres.ts'))};
      const c = await startPgCluster();
      console.log(JSON.stringify({ dataDir: c.dataDir, url: c.url() }));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(out.slice(0, nl));
      });
      child.once('exit', (code) => reject(new Error(`helper exited early (code ${code})`)));
    });
    const { dataDir, url } = JSON.parse(line) as { dataDir: string; url: string };
    try {
      const pid = await postmasterPid(dataDir);
      expect(await query(url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);

      child.kill('SIGKILL');
      const deadline = Date.now() + 10_000;
      while ((await isAlive(pid)) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(await isAlive(pid)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      // The killed process could not clean up its temp folder; do it here.
      await rm(dirname(dataDir), { recursive: true, force: true });
    }
  });
});
