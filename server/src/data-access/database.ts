import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { startFolding } from './fold-loop.js';
import { migrate } from './migrate.js';
import { type MaintenanceResult, maintainPartitions } from './partitions.js';
import { createPool, type Pool } from './pool.js';
import { maintainUsage } from './usage-maintenance.js';

export interface Database {
  pool: Pool;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

const HOUR = 3_600_000;

/** Says loudly when retention held back: more months due than a run drops, or a clock ahead. */
function logRetentionClocks(log: Logger, r: MaintenanceResult): void {
  const { server, database, newestReceived } = r.clocks;
  if (r.overdue.length > 0) {
    log.error(
      { dropped: r.dropped, overdue: r.overdue, reference: r.reference, clocks: r.clocks },
      'retention: more months are due than one run drops; the rest go in the next hourly runs. Unexpected? Check the clocks and RETENTION_DAYS',
    );
  }
  if (server.getTime() - database.getTime() > 5 * 60_000) {
    log.warn(
      { clocks: r.clocks },
      "this server's clock is ahead of PostgreSQL's; retention measures from the earlier",
    );
  } else if (newestReceived !== null && server.getTime() - newestReceived.getTime() > 24 * HOUR) {
    log.info(
      { reference: r.reference, clocks: r.clocks },
      'retention measures from the newest visit received, not the clock: nothing was received for a day or more',
    );
  }
}

/**
 * Connects (starting the embedded PostgreSQL when DATABASE_URL is unset),
 * applies migrations, makes sure partitions exist, and keeps partition
 * maintenance and retention running hourly (and the rollup fold every few seconds).
 */
export async function openDatabase(
  config: Config,
  log: Logger,
  opts: { migrate: boolean; maintain: boolean },
): Promise<Database> {
  const embedded =
    config.databaseUrl === undefined ? await startEmbeddedPostgres(config.dataDir, log) : null;
  const url = embedded?.url ?? (config.databaseUrl as string);
  if (opts.migrate && config.migrateOnStart) {
    try {
      const applied = await migrate(url, log);
      if (applied.length > 0) log.info({ applied }, 'migrations applied');
    } catch (err) {
      // Not left running behind a server that does not start.
      await embedded?.stop();
      throw err;
    }
  }
  const pool = createPool(url, config.pgPoolSize, log);
  let timer: NodeJS.Timeout | undefined;
  let foldTimer: NodeJS.Timeout | undefined;
  if (opts.maintain) foldTimer = startFolding(pool, log);
  if (opts.maintain && config.partitionMaintenance) {
    const maintain = async (): Promise<void> => {
      try {
        const r = await maintainPartitions(pool, {
          now: new Date(),
          monthsAhead: 3,
          monthsBack: 1,
          retentionDays: config.retentionDays,
        });
        if (r.created.length + r.dropped.length + r.deletedRows + r.deletedFromDefault > 0) {
          log.info(r, 'partition maintenance');
        }
        logRetentionClocks(log, r);
      } catch (err) {
        log.warn({ err }, 'partition maintenance failed; will retry');
      }
      try {
        const u = await maintainUsage(pool, {
          now: new Date(),
          unusedDeviceExpiryDays: config.unusedDeviceExpiryDays,
        });
        if (u.deletedUsageDays + u.expiredDevices > 0) log.info(u, 'quota maintenance');
      } catch (err) {
        log.warn({ err }, 'quota maintenance failed; will retry');
      }
    };
    await maintain();
    timer = setInterval(maintain, HOUR);
    timer.unref();
  }
  return {
    pool,
    url,
    embedded: embedded !== null,
    async close(): Promise<void> {
      if (timer !== undefined) clearInterval(timer);
      if (foldTimer !== undefined) clearInterval(foldTimer);
      await pool.end();
      if (embedded !== null) await embedded.stop();
    },
  };
}
