import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../logger.js';

/**
 * Set only in the compiled bundles (scripts/build-server.ts copies the SQL files beside them),
 * where import.meta.url is the bundle's own address, not this file's.
 */
declare const TRACKSPHERE_BUNDLED_MIGRATIONS: string | undefined;

const MIGRATIONS_DIR = fileURLToPath(
  new URL(
    typeof TRACKSPHERE_BUNDLED_MIGRATIONS === 'string'
      ? TRACKSPHERE_BUNDLED_MIGRATIONS
      : '../../migrations',
    import.meta.url,
  ),
);

/** Applies every pending migration (node-pg-migrate, SQL files in server/migrations). */
export async function migrate(databaseUrl: string, log: Logger): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    verbose: false,
    log: (msg: string) => log.debug({ msg }, 'migration'),
  });
  return applied.map((m) => m.name);
}
