/** `npm run migrate`: applies pending migrations and creates partitions (the compose init step). */

import { migrate } from '../data-access/migrate.js';
import { maintainPartitions } from '../data-access/partitions.js';
import { createPool } from '../data-access/pool.js';
import { bootstrap } from './bootstrap.js';

const { config, log } = bootstrap('tracksphere-migrate');
if (config.databaseUrl === undefined) {
  process.stderr.write('DATABASE_URL: required by npm run migrate\n');
  process.exit(2);
}
const applied = await migrate(config.databaseUrl, log);
const pool = createPool(config.databaseUrl, 1, log);
const partitions = await maintainPartitions(pool, {
  now: new Date(),
  monthsAhead: 3,
  monthsBack: 1,
  retentionDays: config.retentionDays,
});
await pool.end();
log.info({ applied, partitions }, 'database ready');
