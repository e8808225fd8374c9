/**
 * `npm run migrate`: applies pending migrations, creates partitions, folds the rollup deltas
 * and runs the quotas' upkeep (the compose init step, and hourly the partitions service).
 */

import { migrate } from '../data-access/migrate.js';
import { maintainPartitions } from '../data-access/partitions.js';
import { createPool } from '../data-access/pool.js';
import { foldRollupDeltas } from '../data-access/rollup-fold.js';
import { refreshStudyDays } from '../data-access/study-days.js';
import { maintainUsage } from '../data-access/usage-maintenance.js';
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
const folded = await foldRollupDeltas(pool);
const studyDays = await refreshStudyDays(pool);
const usage = await maintainUsage(pool, {
  now: new Date(),
  unusedDeviceExpiryDays: config.unusedDeviceExpiryDays,
});
await pool.end();
log.info({ applied, partitions, folded, studyDays, usage }, 'database ready');
