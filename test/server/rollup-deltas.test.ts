/**
 * The per-domain rollups as appended deltas and folded totals (migration rollup-deltas): the
 * views visit_domain_days and visit_domain_hours stay a GROUP BY of visits at every moment,
 * with folds running at once, a fold and a writer overlapping, resends and erases between
 * folds; writers of the same domains no longer lock each other's rows, so two of several
 * statements each do not deadlock.
 */
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { eraseDevice } from '../../server/src/data-access/devices-repo.js';
import { migrate } from '../../server/src/data-access/migrate.js';
import { maintainPartitions } from '../../server/src/data-access/partitions.js';
import { createPool, type Pool, type PoolClient } from '../../server/src/data-access/pool.js';
import { foldRollupDeltas } from '../../server/src/data-access/rollup-fold.js';
import { deleteDeviceVisits } from '../../server/src/data-access/visit-erase-repo.js';
import type { VisitRecord } from '../../server/src/data-access/visit-record.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import { DASHBOARD_ROLLUPS } from '../harness/dashboard-rollup-sql.js';
import { expectDashboardRollupsMatchVisits } from '../harness/dashboard-rollups.js';
import { freshDatabase } from '../harness/database.js';
import { NOW, visit } from '../harness/retention.js';
import { testLogger } from '../harness/server.js';

const log = testLogger('rollup-deltas-test');
const HOUR = 3_600_000;
const DOMAINS = ['popular.example', 'news.example', 'video.example', 'mail.example'];

async function withDevices(
  prefix: string,
  n: number,
  fn: (pool: Pool, devices: string[]) => Promise<void>,
): Promise<void> {
  const url = await freshDatabase(prefix);
  await migrate(url, log);
  const pool = createPool(url, 6, log);
  try {
    await maintainPartitions(pool, {
      now: new Date(NOW),
      monthsAhead: 1,
      monthsBack: 1,
      retentionDays: 395,
    });
    const devices = Array.from({ length: n }, () => uuidv7());
    await pool.query(
      `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os)
       SELECT id, '\\x01'::bytea, '1', 'Chrome', '131', 'Linux' FROM unnest($1::uuid[]) id`,
      [devices],
    );
    await fn(pool, devices);
  } finally {
    await pool.end();
  }
}

/** Visit i of `device`: within the last two days, on one of DOMAINS. */
function visitOf(device: string, i: number): VisitRecord {
  const at = new Date(NOW - 2 * HOUR - ((i * 7919) % (46 * HOUR)));
  return { ...visit(device, at, 0), domain: DOMAINS[i % DOMAINS.length] as string };
}

/** The folded totals alone equal visits' GROUP BY, and no delta is left. */
async function expectAllFolded(pool: Pool): Promise<void> {
  for (const table of ['visit_domain_days', 'visit_domain_hours']) {
    const folded = await pool.query(`SELECT * FROM ${table}_folded AS x ORDER BY x`);
    const grouped = await pool.query(`SELECT * FROM (${DASHBOARD_ROLLUPS[table]}) x ORDER BY x`);
    expect({ table, rows: folded.rows }).toEqual({ table, rows: grouped.rows });
    const left = await pool.query(`SELECT count(*)::int AS n FROM ${table}_delta`);
    expect({ table, left: left.rows[0]?.n }).toEqual({ table, left: 0 });
  }
}

/** One visit inserted by `client` in a statement of its own (a writer's statement). */
function insertOne(client: PoolClient, device: string, domain: string, at: Date) {
  return client.query(
    `INSERT INTO visits (id, started_at, ended_at, device_id, session_id, batch_id, url, domain,
       title, active_ms, transition, started_at_corrected, ended_at_corrected, clock_skew_ms,
       received_at)
     VALUES (gen_random_uuid(), $3, $3::timestamptz + interval '1 minute', $1,
       gen_random_uuid(), gen_random_uuid(), 'https://' || $2 || '/', $2, NULL, 1000, 'link',
       $3, $3::timestamptz + interval '1 minute', 0, now())`,
    [device, domain, at.toISOString()],
  );
}

describe('the per-domain rollups, appended and folded', () => {
  it('stay exact with two folders running at once while writers write', () =>
    withDevices('rollup_deltas_folders', 6, async (pool, devices) => {
      const chunks = devices.map((d, k) =>
        Array.from({ length: 400 }, (_, i) => visitOf(d, i + k * 1000)),
      );
      let writing = true;
      let folded = 0;
      const folder = async () => {
        while (writing) folded += await foldRollupDeltas(pool);
      };
      const writer = async () => {
        for (let c = chunks.shift(); c !== undefined; c = chunks.shift()) {
          await insertVisits(pool, c.slice(0, 200));
          await insertVisits(pool, c.slice(200));
        }
      };
      const folders = [folder(), folder()];
      await Promise.all([writer(), writer()]);
      writing = false;
      await Promise.all(folders);
      expect(folded).toBeGreaterThan(0);
      await expectDashboardRollupsMatchVisits(pool);
      // Two at once once more, on what the writers left.
      await Promise.all([foldRollupDeltas(pool), foldRollupDeltas(pool)]);
      await expectAllFolded(pool);
      const total = await pool.query('SELECT sum(visits)::int AS n FROM visit_domain_days');
      expect(total.rows[0]?.n).toBe(6 * 400);
    }));

  it('lose nothing and double nothing when a writer and the fold overlap', () =>
    withDevices('rollup_deltas_overlap', 2, async (pool, [a, b]) => {
      await insertVisits(
        pool,
        Array.from({ length: 20 }, (_, i) => visitOf(a as string, i)),
      );
      const writer = await pool.connect();
      const folder = await pool.connect();
      try {
        // A writer's statement done, not committed: the fold leaves its deltas (it cannot see
        // them) and does not wait for it.
        await writer.query('BEGIN');
        await insertOne(writer, b as string, 'popular.example', new Date(NOW - 5 * HOUR));
        expect(await foldRollupDeltas(pool)).toBeGreaterThan(0);
        await expectDashboardRollupsMatchVisits(pool);
        await writer.query('COMMIT');
        await expectDashboardRollupsMatchVisits(pool);
        // A fold not committed yet: a writer adds and commits meanwhile without waiting.
        await folder.query('BEGIN');
        await folder.query('SELECT visit_rollups_fold()');
        await insertVisits(pool, [visitOf(b as string, 1), visitOf(b as string, 2)]);
        await expectDashboardRollupsMatchVisits(pool);
        await folder.query('COMMIT');
        await expectDashboardRollupsMatchVisits(pool);
      } finally {
        await writer.query('ROLLBACK').catch(() => undefined);
        await folder.query('ROLLBACK').catch(() => undefined);
        writer.release();
        folder.release();
      }
      await foldRollupDeltas(pool);
      await expectAllFolded(pool);
    }));

  it('count a resend once and give back what an erase takes, folded or not', () =>
    withDevices('rollup_deltas_erase', 2, async (pool, [a, b]) => {
      const first = Array.from({ length: 12 }, (_, i) => visitOf(a as string, i));
      const others = Array.from({ length: 8 }, (_, i) => visitOf(b as string, i));
      await insertVisits(pool, [...first, ...others]);
      await foldRollupDeltas(pool);
      // Resent along with a new visit: the new one only counts.
      const fresh = visitOf(a as string, 40);
      expect(await insertVisits(pool, [...first, fresh])).toEqual({ inserted: 1, dropped: 0 });
      await expectDashboardRollupsMatchVisits(pool);
      // A selective erase: every visit of a's on mail.example, some folded, some not.
      expect(await deleteDeviceVisits(pool, a as string, { domain: 'mail.example' })).toBe(3);
      await expectDashboardRollupsMatchVisits(pool);
      await foldRollupDeltas(pool);
      await expectAllFolded(pool);
      // b's mail.example visits keep the domain's rows; the whole of a goes.
      await eraseDevice(pool, a as string);
      await expectDashboardRollupsMatchVisits(pool);
      await deleteDeviceVisits(pool, b as string, { domain: 'mail.example' });
      await expectDashboardRollupsMatchVisits(pool);
      await foldRollupDeltas(pool);
      await expectAllFolded(pool);
      const mail = await pool.query(
        `SELECT count(*)::int AS n FROM visit_domain_days_folded WHERE domain = 'mail.example'`,
      );
      expect(mail.rows[0]?.n).toBe(0);
    }));

  it('let two writers of several statements take the same domains in opposite order', () =>
    withDevices('rollup_deltas_deadlock', 2, async (pool, [a, b]) => {
      const at = new Date(NOW - 3 * HOUR);
      const one = await pool.connect();
      const two = await pool.connect();
      try {
        await one.query('BEGIN');
        await two.query('BEGIN');
        await insertOne(one, a as string, 'popular.example', at);
        await insertOne(two, b as string, 'news.example', at);
        // Each writer's second statement takes the domain the other's first took. With the
        // domains' rows updated in place, the first of these waited for the other writer and
        // the second ended in 'deadlock detected'.
        const second = [
          insertOne(one, a as string, 'news.example', at),
          insertOne(two, b as string, 'popular.example', at),
        ];
        await Promise.all(second);
        await one.query('COMMIT');
        await two.query('COMMIT');
      } finally {
        await one.query('ROLLBACK').catch(() => undefined);
        await two.query('ROLLBACK').catch(() => undefined);
        one.release();
        two.release();
      }
      await expectDashboardRollupsMatchVisits(pool);
      const n = await pool.query(`SELECT domain, visits FROM visit_domain_days ORDER BY domain`);
      expect(n.rows).toEqual([
        { domain: 'news.example', visits: '2' },
        { domain: 'popular.example', visits: '2' },
      ]);
    }));

  it('are folded by the consumer role, which can neither update nor delete them itself', () =>
    withDevices('rollup_deltas_writer', 1, async (pool, [a]) => {
      const client = await pool.connect();
      try {
        await client.query('SET ROLE tracksphere_writer');
        await insertOne(client, a as string, 'popular.example', new Date(NOW - 4 * HOUR));
        const r = await client.query<{ n: string }>('SELECT visit_rollups_fold() AS n');
        expect(Number(r.rows[0]?.n)).toBe(2);
        await expect(client.query('DELETE FROM visit_domain_days_delta')).rejects.toThrow(
          /permission denied/,
        );
        await expect(
          client.query('UPDATE visit_domain_days_folded SET visits = visits + 1'),
        ).rejects.toThrow(/permission denied/);
      } finally {
        await client.query('RESET ROLE');
        client.release();
      }
      await expectAllFolded(pool);
    }));
});
