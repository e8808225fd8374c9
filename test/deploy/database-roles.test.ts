/**
 * deploy/postgres/grant-logins.sh (the db-roles service) against the test PostgreSQL: the roles
 * the migrations create NOLOGIN get their logins, and the ingest API really runs as
 * tracksphere_app, as compose starts it.
 *
 * Roles are cluster-wide, so this gives tracksphere_app and grafana_reader a login on the
 * shared test cluster; other test files only SET ROLE to them, which is unaffected.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBatch, makeEvent, postEvents, registerDevice } from '../harness/client.js';
import { freshDatabase } from '../harness/database.js';
import { type ServerProcess, spawnEntryPoint } from '../harness/process.js';
import { prepareDatabase } from '../harness/server.js';
import { repoPath } from './repo-root.js';

const execFileAsync = promisify(execFile);

// Quotes, a backslash and a dollar: psql's :'name' quoting must carry them into SQL intact.
const APP_PASSWORD = `app-'quoted'-\\-$pw`;
const GRAFANA_PASSWORD = 'grafana-"pw"-;--';

let databaseUrl: string;
let admin: pg.Client;
const processes: ServerProcess[] = [];

beforeAll(async () => {
  databaseUrl = await freshDatabase('db_roles');
  await prepareDatabase(databaseUrl);
  admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGTERM')));
  await admin.end();
});

/** Runs the script as the db-roles service does, connected through PG* variables. */
async function grantLogins(): Promise<void> {
  const url = new URL(databaseUrl);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG')) env[key] = value;
  }
  await execFileAsync('sh', [repoPath('deploy/postgres/grant-logins.sh')], {
    env: {
      ...env,
      PGHOST: url.hostname,
      PGPORT: url.port,
      PGUSER: decodeURIComponent(url.username),
      PGDATABASE: url.pathname.slice(1),
      APP_DB_PASSWORD: APP_PASSWORD,
      GRAFANA_DB_PASSWORD: GRAFANA_PASSWORD,
    },
  });
}

describe('db-roles (deploy/postgres/grant-logins.sh)', () => {
  it('gives both roles a login and a SCRAM password, and can run again', async () => {
    await grantLogins();
    await grantLogins();
    const roles = await admin.query<{ rolname: string; rolcanlogin: boolean; rolpassword: string }>(
      `SELECT rolname, rolcanlogin, rolpassword FROM pg_authid
        WHERE rolname IN ('tracksphere_app', 'grafana_reader') ORDER BY rolname`,
    );
    expect(roles.rows.map((r) => [r.rolname, r.rolcanlogin])).toEqual([
      ['grafana_reader', true],
      ['tracksphere_app', true],
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
