/**
 * The backup service's script (deploy/backup/backup.sh) against a real, seeded PostgreSQL 15
 * cluster, and a restore with deploy/backup/restore.sh into a FRESH cluster (no roles, an empty
 * database: a new stack's first start). The restored database must hold every row, grant the
 * deployment's roles what the original granted, and serve the API: a device's export is the
 * same, byte for byte. The one row that differs is the summary cursor's key, which the restore
 * replaces: a cursor from before the restore is refused.
 *
 * The scripts run as compose runs them (sh, PG* variables), with PostgreSQL 15's client tools
 * first on PATH, as in the postgres:15 image.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRegistered } from '#protocol';
import { makeBatch, makeEvent, postEvents, registerDevice, request } from '../harness/client.js';
import { type PgCluster, startPgCluster } from '../harness/postgres.js';
import { prepareDatabase, startTestServer, type TestServer } from '../harness/server.js';
import { repoPath } from './repo-root.js';

const execFileAsync = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';
const BACKUP = repoPath('deploy/backup/backup.sh');
const RESTORE = repoPath('deploy/backup/restore.sh');
const GRANT_LOGINS = repoPath('deploy/postgres/grant-logins.sh');
const DATABASE = 'tracksphere';
const DUMP_NAME = /^tracksphere-\d{8}T\d{6}Z(-\d+)?\.dump$/;

/** What compose gives the backup, db-roles and restore containers. */
function pgEnv(cluster: PgCluster, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG') && !key.startsWith('BACKUP_')) env[key] = value;
  }
  return {
    ...env,
    PATH: `${PG_BIN}:${process.env.PATH ?? ''}`,
    PGHOST: cluster.host,
    PGPORT: String(cluster.port),
    PGUSER: 'postgres',
    PGDATABASE: DATABASE,
    APP_DB_PASSWORD: 'app-password-0123456789',
    WRITER_DB_PASSWORD: 'writer-password-0123456789',
    GRAFANA_DB_PASSWORD: 'grafana-password-0123456789',
    ...extra,
  };
}

async function run(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('sh', [script, ...args], { env });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The key's row, which a restore replaces (restore.sh); tableContents leaves it out. */
const KEY_TABLE = 'summary_cursor_key';

/** Every table's rows (partitions included) as one checksum per table, and its row count. */
async function tableContents(url: string): Promise<Record<string, string>> {
  const tables = await query<{ name: string }>(
    url,
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
  );
  const contents: Record<string, string> = {};
  for (const { name } of tables) {
    if (name === KEY_TABLE) continue;
    const [row] = await query<{ n: string; sum: string | null }>(
      url,
      `SELECT count(*) AS n, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS sum FROM ONLY "${name}" t`,
    );
    contents[name] = `${row?.n} rows, ${row?.sum}`;
  }
  return contents;
}

/** Who may do what: table, column, function and database privileges the migrations set. */
async function privileges(url: string): Promise<unknown> {
  const roles =
    "('tracksphere_app', 'tracksphere_writer', 'grafana_reader', 'grafana_study_reader')";
  return {
    tables: await query(
      url,
      `SELECT grantee, table_name, privilege_type FROM information_schema.role_table_grants
        WHERE grantee IN ${roles} ORDER BY 1, 2, 3`,
    ),
    columns: await query(
      url,
      `SELECT grantee, table_name, column_name, privilege_type
         FROM information_schema.column_privileges WHERE grantee IN ${roles} ORDER BY 1, 2, 3, 4`,
    ),
    functions: await query(
      url,
      `SELECT p.oid::regprocedure::text AS function, r.rolname,
              has_function_privilege(r.rolname, p.oid, 'EXECUTE') AS execute
         FROM pg_proc p CROSS JOIN pg_roles r
        WHERE r.rolname IN ${roles}
          AND p.proname ~ '^(pg_(try_)?advisory_|lo_creat|lo_from_bytea)'
        ORDER BY 1, 2`,
    ),
    database: await query(
      url,
      `SELECT r.rolname, has_database_privilege(r.rolname, current_database(), 'TEMPORARY') AS temp,
              has_database_privilege(r.rolname, current_database(), 'CONNECT') AS connect
         FROM pg_roles r WHERE r.rolname IN ${roles} ORDER BY 1`,
    ),
    settings: await query(
      url,
      // In name order: the order the settings were set in (migrations, then db-roles) is not kept.
      `SELECT r.rolname, r.rolcanlogin,
              (SELECT array_agg(c ORDER BY c) FROM unnest(s.setconfig) c) AS setconfig
         FROM pg_roles r
         LEFT JOIN pg_db_role_setting s ON s.setrole = r.oid
        WHERE r.rolname IN ${roles} ORDER BY 1`,
    ),
  };
}

async function exportOf(server: TestServer, device: DeviceRegistered): Promise<string> {
  const res = await request(`${server.url}/api/v1/me/export`, {
    headers: { authorization: `Bearer ${device.token}` },
  });
  expect(res.status, res.text).toBe(200);
  return res.text;
}

describe('backups (deploy/backup/backup.sh) and restore (deploy/backup/restore.sh)', () => {
  let original: PgCluster;
  let fresh: PgCluster;
  let backups: string;
  let originalUrl: string;
  let server: TestServer;
  const devices: DeviceRegistered[] = [];
  const visitIds: string[] = [];

  beforeAll(async () => {
    backups = await mkdtemp(join(tmpdir(), 'tracksphere-backups-'));
    original = await startPgCluster();
    await query(original.url(), `CREATE DATABASE ${DATABASE}`);
    originalUrl = original.url(DATABASE);
    // As the stack starts: migrate, then db-roles, then the API as tracksphere_app.
    await prepareDatabase(originalUrl);
    const roles = await run(GRANT_LOGINS, [], pgEnv(original));
    expect(roles.code, roles.output).toBe(0);
    const appUrl = originalUrl.replace('postgres@', 'tracksphere_app@');
    server = await startTestServer({ databaseUrl: appUrl });

    for (let i = 0; i < 3; i++) devices.push(await registerDevice(server.url));
    const day = 24 * 3600_000;
    for (const [d, device] of devices.entries()) {
      // This month's partition and last month's (prepareDatabase made two back).
      const events = Array.from({ length: 40 }, (_, k) => {
        const end = Date.now() - (k % 2 === 0 ? 0 : 35 * day) - 120_000 - k * 1000 - d;
        return makeEvent({
          url: `https://site-${d}.example/page/${k}?x=${k}`,
          domain: `site-${d}.example`,
          title: `Page ${k} — ünïcode "quoted"\ttab`,
          startedAt: new Date(end - 30_000).toISOString(),
          endedAt: new Date(end).toISOString(),
        });
      });
      const res = await postEvents(server.url, device.token, makeBatch(events));
      expect(res.status, res.text).toBeLessThan(300);
      visitIds.push(...events.map((e) => e.id));
    }
    // An erased device: its id and token hash stay (erased_devices).
    const erased = await registerDevice(server.url);
    const del = await request(`${server.url}/api/v1/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${erased.token}` },
    });
    expect(del.status, del.text).toBeLessThan(300);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await original?.destroy();
    await fresh?.destroy();
    if (backups !== undefined) await rm(backups, { recursive: true, force: true });
  });

  it('dumps to a complete name only once the dump is whole, and prunes to BACKUP_KEEP', async () => {
    // Two older dumps, and what a container stopped mid-dump left behind an hour ago.
    const old = ['tracksphere-20250101T030000Z.dump', 'tracksphere-20250102T030000Z.dump'];
    for (const name of old) await writeFile(join(backups, name), 'old');
    const partial = join(backups, '.tracksphere-20250103T030000Z.dump.partial');
    await writeFile(partial, 'half');
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(partial, hourAgo, hourAgo);

    const env = pgEnv(original, {
      BACKUP_DIR: backups,
      BACKUP_KEEP: '2',
      BACKUP_HEARTBEAT: join(backups, 'heartbeat'),
    });
    expect((await run(BACKUP, ['--check'], env)).code).not.toBe(0);
    const result = await run(BACKUP, ['--once'], env);
    expect(result.code, result.output).toBe(0);
    const files = (await readdir(backups)).filter((f) => f !== 'heartbeat').sort();
    const made = files.filter((f) => !old.includes(f));
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(DUMP_NAME);
    // Kept: the newest old one and the new one; the oldest and the stale partial are gone.
    expect(files).toEqual([old[1], made[0]]);
    expect((await stat(join(backups, made[0] as string))).mode & 0o077).toBe(0);
    expect((await run(BACKUP, ['--check'], env)).code).toBe(0);
    await rm(join(backups, old[1] as string));
  });

  it('prunes by age with BACKUP_KEEP_DAYS, but never the newest dump', async () => {
    const env = pgEnv(original, {
      BACKUP_DIR: backups,
      BACKUP_KEEP: '0',
      BACKUP_KEEP_DAYS: '7',
      BACKUP_HEARTBEAT: join(backups, 'heartbeat'),
    });
    const before = (await readdir(backups)).filter((f) => DUMP_NAME.test(f));
    const stale = join(backups, 'tracksphere-20240101T030000Z.dump');
    await writeFile(stale, 'old');
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600_000);
    await utimes(stale, eightDaysAgo, eightDaysAgo);
    const result = await run(BACKUP, ['--once'], env);
    expect(result.code, result.output).toBe(0);
    const after = (await readdir(backups)).filter((f) => DUMP_NAME.test(f)).sort();
    expect(after).not.toContain('tracksphere-20240101T030000Z.dump');
    expect(after).toEqual(expect.arrayContaining(before));
    expect(after).toHaveLength(before.length + 1);
  });

  it('leaves no complete-looking file when the dump fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tracksphere-backups-failed-'));
    try {
      const env = pgEnv(original, {
        BACKUP_DIR: dir,
        PGDATABASE: 'no_such_database',
        BACKUP_HEARTBEAT: join(dir, 'heartbeat'),
      });
      const result = await run(BACKUP, ['--once'], env);
      expect(result.code).not.toBe(0);
      expect(result.output).toMatch(/FAILED/);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('restores into a fresh cluster: every row, the grants, and the API serves the same data', async () => {
    const range = 'from=2026-01-01&to=2026-01-02&tz=UTC';
    const first = await request<{ cursor: string }>(`${server.url}/api/v1/me/summary?${range}`, {
      headers: { authorization: `Bearer ${(devices[0] as DeviceRegistered).token}` },
    });
    expect(first.status, first.text).toBe(200);
    const dumps = (await readdir(backups)).filter((f) => DUMP_NAME.test(f)).sort();
    const newest = join(backups, dumps.at(-1) as string);

    // A new stack: a fresh cluster, its database just created (the postgres image's
    // POSTGRES_DB), no roles but the owner, nothing migrated.
    fresh = await startPgCluster();
    await query(fresh.url(), `CREATE DATABASE ${DATABASE}`);
    const restoredUrl = fresh.url(DATABASE);
    const restored = await run(RESTORE, [newest], pgEnv(fresh));
    expect(restored.code, restored.output).toBe(0);
    expect(restored.output).toMatch(/done: 3 devices, 120 visits/);
    // A new key of the same size in place of the dump's.
    const keyOf = (url: string) =>
      query<{ key: string }>(url, `SELECT encode(key, 'hex') AS key FROM ${KEY_TABLE}`);
    const [oldKey] = await keyOf(originalUrl);
    const newKeys = await keyOf(restoredUrl);
    expect(newKeys).toHaveLength(1);
    expect(newKeys[0]?.key).toMatch(/^[0-9a-f]{64}$/);
    expect(newKeys[0]?.key).not.toBe(oldKey?.key);

    // Refuses a database that is not empty.
    const again = await run(RESTORE, [newest], pgEnv(fresh));
    expect(again.code).not.toBe(0);
    expect(again.output).toMatch(/not empty/);

    // Every table (each partition too), row for row.
    const before = await tableContents(originalUrl);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['devices', 'erased_devices']));
    expect(before.erased_devices).toMatch(/^1 rows/);
    expect(await tableContents(restoredUrl)).toEqual(before);
    const ids = await query<{ id: string }>(restoredUrl, 'SELECT id::text FROM visits ORDER BY 1');
    expect(ids.map((r) => r.id)).toEqual([...visitIds].map((id) => id.toLowerCase()).sort());

    // db-roles runs on the next `docker compose up`; then the roles hold what they held.
    const roles = await run(GRANT_LOGINS, [], pgEnv(fresh));
    expect(roles.code, roles.output).toBe(0);
    expect(await privileges(restoredUrl)).toEqual(await privileges(originalUrl));

    // The migrate service finds nothing to apply.
    await prepareDatabase(restoredUrl);
    expect(await tableContents(restoredUrl)).toEqual(await tableContents(originalUrl));

    // The API, as tracksphere_app on the restored database, serves each device's data as before.
    const restoredServer = await startTestServer({
      databaseUrl: restoredUrl.replace('postgres@', 'tracksphere_app@'),
    });
    try {
      for (const device of devices) {
        const exported = await exportOf(restoredServer, device);
        expect(exported.trim().split('\n').length).toBeGreaterThan(40);
        expect(exported).toBe(await exportOf(server, device));
      }
      // A cursor from before the restore is refused (the device then asks again without it):
      // its transaction ids are the old cluster's, which the restored one hands out again.
      const device = devices[0] as DeviceRegistered;
      const auth = { authorization: `Bearer ${device.token}` };
      const since = `${restoredServer.url}/api/v1/me/summary?${range}&since=`;
      const old = await request(`${since}${first.body.cursor}`, { headers: auth });
      expect(old.status, old.text).toBe(400);
      expect(old.text).toContain('since');
      const renewed = await request<{ cursor: string }>(
        `${restoredServer.url}/api/v1/me/summary?${range}`,
        { headers: auth },
      );
      expect(renewed.status, renewed.text).toBe(200);
      const again = await request(`${since}${renewed.body.cursor}`, { headers: auth });
      expect(again.status, again.text).toBe(200);
    } finally {
      await restoredServer.close();
    }
  }, 120_000);
});
