/**
 * The fold loop every writing process runs (data-access/fold-loop.ts): a Study days' pass that
 * outlasts the interval is not joined by the next ticks, which would each hold a pool
 * connection waiting on its advisory lock until the writers had none left.
 */
import { describe, expect, it } from 'vitest';
import { startFolding } from '../../server/src/data-access/fold-loop.js';
import { migrate } from '../../server/src/data-access/migrate.js';
import { createPool } from '../../server/src/data-access/pool.js';
import { waitFor } from '../harness/client.js';
import { freshDatabase } from '../harness/database.js';
import { testLogger } from '../harness/server.js';

const log = testLogger('fold-loop-test');

describe('the fold loop', () => {
  it('holds at most one connection while a pass waits, however many ticks go by', async () => {
    const url = await freshDatabase('fold_loop');
    await migrate(url, log);
    const pool = createPool(url, 6, log);
    const blocker = await pool.connect();
    let timer: NodeJS.Timeout | undefined;
    try {
      // Another process's long pass: it holds the Study days' lock.
      await blocker.query('BEGIN');
      await blocker.query(`SELECT pg_advisory_xact_lock(hashtext('study_days_refresh'))`);
      timer = startFolding(pool, log, 20);
      const waiting = async (): Promise<number> => {
        const r = await blocker.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND pid <> pg_backend_pid()`,
        );
        return Number(r.rows[0]?.n ?? 0);
      };
      await waitFor(async () => {
        await blocker.query('SELECT pg_stat_clear_snapshot()');
        return (await waiting()) > 0;
      }, 'a pass to wait on the lock');
      // Twenty intervals later, still one waiter and free connections for the writers.
      await new Promise((resolve) => setTimeout(resolve, 400));
      await blocker.query('SELECT pg_stat_clear_snapshot()');
      expect(await waiting()).toBe(1);
      expect((await pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
      await blocker.query('COMMIT');
      await waitFor(async () => {
        await blocker.query('SELECT pg_stat_clear_snapshot()');
        return (await waiting()) === 0;
      }, 'the pass to finish');
    } finally {
      clearInterval(timer);
      await blocker.query('ROLLBACK').catch(() => undefined);
      blocker.release();
      await pool.end();
    }
  });
});
