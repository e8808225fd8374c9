/**
 * deploy/postgres/grant-logins.sh (the db-roles service) against the test PostgreSQL: the roles
 * the migrations create NOLOGIN get their logins, and the ingest API really runs as
 * tracksphere_app, as compose starts it. grafana_reader, logged in as Grafana logs in, cannot
 * lift the limits it is given, and deploy/postgres/grafana-watchdog.sh (the db-watchdog service)
 * stops what its own settings would not.
 *
 * Roles are cluster-wide, so this gives tracksphere_app and grafana_reader a login on the
 * shared test cluster; other test files only SET ROLE to them, which is unaffected.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../scripts/build-server.js';
import { makeBatch, makeEvent, postEvents, registerDevice } from '../harness/client.js';
import { freshDatabase } from '../harness/database.js';
import { type ServerProcess, spawnEntryPoint } from '../harness/process.js';
import { kafkaEnv, prepareDatabase, testKafkaSettings } from '../harness/server.js';
import { type KafkaStack, startKafkaStack } from '../server/modes.js';
import { environmentOf, loadCompose } from './compose-file.js';
import { repoPath } from './repo-root.js';

const execFileAsync = promisify(execFile);

// Quotes, a backslash and a dollar: psql's :'name' quoting must carry them into SQL intact.
const APP_PASSWORD = `app-'quoted'-\\-$pw`;
const GRAFANA_PASSWORD = 'grafana-"pw"-;--';
const WRITER_PASSWORD = "writer-:'pw'-%";
const STUDY_PASSWORD = "study-'pw'-\\:x";

let databaseUrl: string;
let admin: pg.Client;
const processes: ServerProcess[] = [];
const readers: pg.Client[] = [];

beforeAll(async () => {
  databaseUrl = await freshDatabase('db_roles');
  await prepareDatabase(databaseUrl);
  admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGTERM')));
  await Promise.all(readers.map((r) => r.end().catch(() => {})));
  await admin.end();
});

function withoutPgVariables(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG')) env[key] = value;
  }
  return env;
}

/** Runs the script as the db-roles service does, connected through PG* variables. */
async function grantLogins(
  database = databaseUrl,
  extra: Record<string, string> = {},
): Promise<void> {
  const url = new URL(database);
  await execFileAsync('sh', [repoPath('deploy/postgres/grant-logins.sh')], {
    env: {
      ...withoutPgVariables(),
      PGHOST: url.hostname,
      PGPORT: url.port,
      PGUSER: decodeURIComponent(url.username),
      PGDATABASE: url.pathname.slice(1),
      APP_DB_PASSWORD: APP_PASSWORD,
      WRITER_DB_PASSWORD: WRITER_PASSWORD,
      GRAFANA_DB_PASSWORD: GRAFANA_PASSWORD,
      GRAFANA_STUDY_DB_PASSWORD: STUDY_PASSWORD,
      ...extra,
    },
  });
}

/** `database` with another role's login. */
function loginUrl(database: string, user: string, password: string): string {
  const url = new URL(database);
  url.username = user;
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** Runs one round of the watchdog as the db-watchdog service does (as the schema owner). */
async function watchdogRound(maxStatement: string, maxIdleTransaction: string): Promise<string> {
  const url = new URL(databaseUrl);
  const { stdout } = await execFileAsync('sh', [repoPath('deploy/postgres/grafana-watchdog.sh')], {
    env: {
      ...withoutPgVariables(),
      PGHOST: url.hostname,
      PGPORT: url.port,
      PGUSER: decodeURIComponent(url.username),
      PGDATABASE: url.pathname.slice(1),
      GRAFANA_MAX_STATEMENT: maxStatement,
      GRAFANA_MAX_IDLE_TRANSACTION: maxIdleTransaction,
      WATCHDOG_ONCE: '1',
    },
  });
  return stdout;
}

/** A session of grafana_reader with its password, as Grafana's datasource opens one. */
async function connectAsGrafana(): Promise<pg.Client> {
  const url = new URL(databaseUrl);
  url.username = 'grafana_reader';
  url.password = encodeURIComponent(GRAFANA_PASSWORD);
  const client = new pg.Client({ connectionString: url.toString() });
  // A session the watchdog ends reports it as an error event.
  client.on('error', () => {});
  await client.connect();
  readers.push(client);
  return client;
}

/** The error code a query fails with ('' when it succeeds). */
async function failureOf(client: pg.Client, sql: string): Promise<string> {
  try {
    await client.query(sql);
    return '';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

async function waitForActivity(sql: string, values: unknown[]): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (((await admin.query(sql, values)).rowCount ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no activity matching ${sql}`);
}

describe('db-roles (deploy/postgres/grant-logins.sh)', () => {
  it('gives every role a login and a SCRAM password, and can run again', async () => {
    await grantLogins();
    await grantLogins();
    const roles = await admin.query<{ rolname: string; rolcanlogin: boolean; rolpassword: string }>(
      `SELECT rolname, rolcanlogin, rolpassword FROM pg_authid
        WHERE rolname IN ('tracksphere_app', 'tracksphere_writer', 'grafana_reader')
        ORDER BY rolname`,
    );
    expect(roles.rows.map((r) => [r.rolname, r.rolcanlogin])).toEqual([
      ['grafana_reader', true],
      ['tracksphere_app', true],
      ['tracksphere_writer', true],
    ]);
    for (const role of roles.rows) expect(role.rolpassword).toMatch(/^SCRAM-SHA-256\$/);
  });

  it('makes every grafana_reader session read-only and time-limited', async () => {
    await grantLogins();
    const settings = await admin.query<{ setconfig: string[] }>(
      `SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
        WHERE r.rolname = 'grafana_reader' AND s.setdatabase = 0`,
    );
    expect(settings.rows[0]?.setconfig).toEqual(
      expect.arrayContaining(['default_transaction_read_only=on', 'statement_timeout=60s']),
    );
  });

  it('lets the ingest API start as tracksphere_app and store a batch', async () => {
    await grantLogins();
    const url = new URL(databaseUrl);
    url.username = 'tracksphere_app';
    url.password = encodeURIComponent(APP_PASSWORD);
    // The real entry point: it checks migrations at start, which needs the pgmigrations grant.
    const server = spawnEntryPoint('server/src/entry-points/api/main.ts', {
      DATABASE_URL: url.toString(),
      HOST: '127.0.0.1',
      PORT: '0',
      KAFKA_BROKERS: '',
      ENROLLMENT_KEY: '',
    });
    processes.push(server);
    await server.waitForOutput(/ingest API ready/);
    const base = /"url":"(http:\/\/[^"]+)\/api\/v1"/.exec(server.output())?.[1];
    expect(base).toBeDefined();

    const { deviceId, token } = await registerDevice(base ?? '');
    const result = await postEvents(base ?? '', token, makeBatch([makeEvent()]));
    expect(result.status).toBe(200);
    const stored = await admin.query('SELECT 1 FROM visits WHERE device_id = $1', [deviceId]);
    expect(stored.rowCount).toBe(1);
    expect(await server.kill('SIGTERM')).toBe(0);
  });
});

describe('grafana_study_reader, logged in as the Study datasource is', () => {
  it('reads the study views and nothing else; MIN_GROUP_DEVICES sets their smallest group', async () => {
    await grantLogins(databaseUrl, { MIN_GROUP_DEVICES: '7' });
    const study = new pg.Client({
      connectionString: loginUrl(databaseUrl, 'grafana_study_reader', STUDY_PASSWORD),
    });
    readers.push(study);
    await study.connect();
    await study.query('SELECT * FROM study_daily');
    await study.query('SELECT * FROM study_domains');
    for (const table of ['visits', 'devices', 'cohorts', 'study_settings']) {
      await expect(study.query(`SELECT 1 FROM ${table} LIMIT 1`), table).rejects.toThrow(
        /permission denied/,
      );
    }
    const read = await study.query<{ transaction_read_only: string }>('SHOW transaction_read_only');
    expect(read.rows[0]?.transaction_read_only).toBe('on');
    const k = await admin.query<{ min_group_devices: number }>(
      'SELECT min_group_devices FROM study_settings',
    );
    expect(k.rows[0]?.min_group_devices).toBe(7);
    await grantLogins();
    const back = await admin.query<{ min_group_devices: number }>(
      'SELECT min_group_devices FROM study_settings',
    );
    expect(back.rows[0]?.min_group_devices).toBe(5);
  });

  it('refuses a MIN_GROUP_DEVICES below 2', async () => {
    await expect(grantLogins(databaseUrl, { MIN_GROUP_DEVICES: '1' })).rejects.toThrow(
      /at least 2/,
    );
  });
});

describe('grafana_reader, logged in as Grafana is', () => {
  beforeAll(async () => {
    await grantLogins();
  });

  it('starts read-only, time-limited, without JIT, and cannot lift its temp file limit', async () => {
    const reader = await connectAsGrafana();
    const show = async (name: string): Promise<string> =>
      (await reader.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name] ?? '';
    expect(await show('default_transaction_read_only')).toBe('on');
    expect(await show('statement_timeout')).toBe('1min');
    expect(await show('temp_file_limit')).toBe('2GB');
    // Set by migration grafana-jit-off and again by db-roles, for a restored cluster.
    expect(await show('jit')).toBe('off');
    // A superuser-only setting: pinned for the role.
    expect(await failureOf(reader, 'SET temp_file_limit = -1')).toBe('42501');
    expect(await show('temp_file_limit')).toBe('2GB');
  });

  it('may lift read-only and statement_timeout, as any role may, and still writes nothing', async () => {
    const reader = await connectAsGrafana();
    // PostgreSQL lets every role SET these in its own session: no privilege can stop it.
    expect(await failureOf(reader, 'SET default_transaction_read_only = off')).toBe('');
    expect(await failureOf(reader, 'SET statement_timeout = 0')).toBe('');
    // What holds is that it has no privilege to write anywhere.
    const denied = [
      'CREATE TEMP TABLE t (x int)',
      'CREATE TEMP VIEW v AS SELECT 1',
      "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
      'CREATE TABLE public.t (x int)',
      "SELECT lo_from_bytea(0, 'x')",
      'SELECT lo_creat(-1)',
      'SELECT lo_create(0)',
      'DELETE FROM visits',
      "UPDATE devices SET label = 'x'",
      'SELECT token_hash FROM devices',
    ];
    for (const sql of denied) expect(await failureOf(reader, sql), sql).toBe('42501');
    // Reading stays as it was.
    expect(await failureOf(reader, 'SELECT count(*) FROM visits')).toBe('');
  });

  it('takes no advisory lock (held, one would stall migrations and partition maintenance)', async () => {
    const reader = await connectAsGrafana();
    for (const sql of [
      'SELECT pg_advisory_lock(1)',
      'SELECT pg_try_advisory_lock(1)',
      'SELECT pg_advisory_lock_shared(1, 2)',
      'BEGIN; SELECT pg_try_advisory_xact_lock(1); COMMIT',
    ]) {
      expect(await failureOf(reader, sql), sql).toBe('42501');
      await reader.query('ROLLBACK');
    }
  });

  it('has a statement that lifted its statement_timeout canceled by the watchdog', async () => {
    const reader = await connectAsGrafana();
    await reader.query('SET statement_timeout = 0');
    const runaway = failureOf(reader, 'SELECT pg_sleep(30)');
    // Another role's long statement is none of the watchdog's business.
    const other = new pg.Client({ connectionString: databaseUrl });
    await other.connect();
    const ownerSleep = other.query('SELECT pg_sleep(2.5)');
    await waitForActivity(
      `SELECT 1 FROM pg_stat_activity WHERE usename = 'grafana_reader' AND state = 'active'
          AND query LIKE 'SELECT pg_sleep(30)%' AND now() - query_start > interval '1 second'`,
      [],
    );
    const report = await watchdogRound('1 second', '1 hour');
    expect(report).toMatch(/^canceled the statement of grafana_reader pid \d+ after /m);
    // 57014: canceling statement due to user request.
    expect(await runaway).toBe('57014');
    await expect(ownerSleep).resolves.toBeDefined();
    await other.end();
    // The session itself goes on.
    expect(await failureOf(reader, 'SELECT 1')).toBe('');
  });

  it('has a session left idle inside a transaction ended by the watchdog', async () => {
    const reader = await connectAsGrafana();
    await reader.query('SET idle_in_transaction_session_timeout = 0');
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM visits');
    const pid = (await reader.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]
      ?.pid;
    await waitForActivity(
      `SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'idle in transaction'
          AND now() - state_change > interval '1 second'`,
      [pid],
    );
    const report = await watchdogRound('1 hour', '1 second');
    expect(report).toMatch(
      new RegExp(`^ended grafana_reader pid ${pid}, idle in a transaction`, 'm'),
    );
    expect(await failureOf(reader, 'SELECT 1')).not.toBe('');
  });
});

describe("tracksphere_writer, the consumer's role", () => {
  let stack: KafkaStack;
  beforeAll(async () => {
    // The API (in this process) produces to a mock Kafka; the consumer is started below.
    stack = await startKafkaStack({}, { consumer: false, prefix: 'db_roles_writer' });
    await grantLogins(stack.databaseUrl);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('runs the real consumer, which stores batches, resent ones included', async () => {
    const consumer = spawnEntryPoint('server/src/entry-points/consumer/main.ts', {
      DATABASE_URL: loginUrl(stack.databaseUrl, 'tracksphere_writer', WRITER_PASSWORD),
      // As compose runs it: the migrations and partitions are the owner's.
      MIGRATE_ON_START: 'false',
      PARTITION_MAINTENANCE: 'false',
      CONSUMER_PORT: '0',
      HOST: '127.0.0.1',
      ...kafkaEnv(testKafkaSettings(stack.kafka.brokers)),
    });
    processes.push(consumer);
    await consumer.waitForOutput(/consumer running/);

    const base = stack.server.url;
    const { deviceId, token } = await registerDevice(base);
    const batch = makeBatch([makeEvent(), makeEvent(), makeEvent()]);
    // The same batch twice: the second COPY meets the stored rows and the writer falls back to
    // INSERT ... ON CONFLICT DO NOTHING.
    for (let i = 0; i < 2; i++) expect((await postEvents(base, token, batch)).status).toBe(200);
    const stored = async (): Promise<number> =>
      Number(
        (
          await stack.server.pool.query<{ n: string }>(
            'SELECT count(*) AS n FROM visits WHERE device_id = $1',
            [deviceId],
          )
        ).rows[0]?.n,
      );
    const deadline = Date.now() + 30_000;
    while ((await stored()) < 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await stored()).toBe(3);
    // The rollup the writer keeps through the trigger on visits counted the resend once.
    const rollup = await stack.server.pool.query<{ n: string }>(
      'SELECT sum(visits) AS n FROM visit_rollup WHERE device_id = $1',
      [deviceId],
    );
    expect(Number(rollup.rows[0]?.n)).toBe(3);
    // Both sends were consumed (the group's offsets moved past both), and nothing failed.
    await consumer.waitForOutput(/consumer running/);
    expect(consumer.output()).not.toMatch(/permission denied|"level":(50|60)/);
    expect(await consumer.kill('SIGTERM')).toBe(0);
  });

  it('can do nothing else: no token hashes, no deletes, no DDL, no superuser', async () => {
    const writer = new pg.Client({
      connectionString: loginUrl(stack.databaseUrl, 'tracksphere_writer', WRITER_PASSWORD),
    });
    await writer.connect();
    try {
      const attempt = async (sql: string): Promise<string> => {
        try {
          await writer.query(sql);
          return '';
        } catch (error) {
          return (error as { code?: string }).code ?? String(error);
        }
      };
      for (const sql of [
        'SELECT token_hash FROM devices',
        'SELECT label FROM devices',
        'SELECT url FROM visits',
        'DELETE FROM visits',
        'DELETE FROM devices',
        'DELETE FROM visit_rollup',
        'SELECT * FROM link_codes',
        "UPDATE devices SET label = 'x'",
        'TRUNCATE visits',
        'DROP TABLE visits_default',
        'CREATE TABLE public.t (x int)',
        'CREATE TEMP TABLE t (x int)',
        'SELECT * FROM erased_devices',
        'SELECT pg_advisory_lock(1)',
      ]) {
        expect(await attempt(sql), sql).toBe('42501');
      }
      const role = await writer.query<{ rolsuper: boolean }>(
        'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
      );
      expect(role.rows[0]?.rolsuper).toBe(false);
    } finally {
      await writer.end();
    }
  });
});

describe('partitions (the compose service that maintains partitions as the owner)', () => {
  it('runs the migrate entry point, then touches its heartbeat, hour after hour', async () => {
    const { services } = await loadCompose();
    const service = services.partitions ?? {};
    const [shell, flag, loop] = Array.isArray(service.command) ? service.command : [];
    expect([shell, flag]).toEqual(['sh', '-c']);
    const dir = await mkdtemp(join(tmpdir(), 'tracksphere-partitions-'));
    // The service runs the compiled migrations (dist/server/migrate.mjs), which a fresh clone
    // has not built: build them beside node_modules, as dist/server is, and run those.
    await mkdir(repoPath('test-output'), { recursive: true });
    const bundles = await mkdtemp(repoPath('test-output', 'partitions-server-'));
    await buildServer(bundles);
    try {
      // A `sleep` that ends the loop instead of waiting an hour: the loop ran once, fully.
      await writeFile(join(dir, 'sleep'), '#!/bin/sh\nkill -TERM "$PPID"\n', { mode: 0o755 });
      const heartbeat = join(dir, 'maintained');
      const database = await freshDatabase('db_roles_partitions');
      const env = Object.fromEntries(environmentOf(service));
      // The test cluster's owner has no password: the deployment's checks stay off here.
      delete env.NODE_ENV;
      const run = execFileAsync(
        'sh',
        [
          '-c',
          (loop ?? '')
            .replaceAll('/tmp/partitions-maintained', heartbeat)
            .replaceAll('dist/server/', `${bundles}/`),
        ],
        {
          cwd: repoPath('.'),
          env: {
            ...withoutPgVariables(),
            ...env,
            DATABASE_URL: database,
            LOG_LEVEL: 'info',
            PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          },
        },
      );
      const ended = await run.then(
        () => 'exit 0',
        (error: { signal?: string; code?: number }) => error.signal ?? `exit ${error.code}`,
      );
      expect(ended).toBe('SIGTERM');
      expect((await stat(heartbeat)).isFile()).toBe(true);
      const client = new pg.Client({ connectionString: database });
      await client.connect();
      try {
        const partitions = await client.query(
          `SELECT 1 FROM pg_inherits WHERE inhparent = 'visits'::regclass`,
        );
        // The default partition and the months around now.
        expect(partitions.rowCount).toBeGreaterThan(3);
        const applied = await client.query('SELECT name FROM pgmigrations');
        expect(applied.rows.map((r) => r.name)).toContain('1796480000000_writer-role');
      } finally {
        await client.end();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(bundles, { recursive: true, force: true });
    }
  });
});
