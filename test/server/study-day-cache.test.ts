/**
 * The Study views' kept days (migration study-day-cache): study_daily_in and study_domains_in
 * answer as study_daily and study_domains (the views that group the writer's rollups) at every
 * moment, before study_days_refresh() (changed days listed, made on the spot) and after it
 * (kept rows, none listed): after inserts, a resend, a selective erase, retention, a change of
 * MIN_GROUP_DEVICES and a whole erase.
 */
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { eraseDevice } from '../../server/src/data-access/devices-repo.js';
import { maintainPartitions } from '../../server/src/data-access/partitions.js';
import type { Pool } from '../../server/src/data-access/pool.js';
import { refreshStudyDays } from '../../server/src/data-access/study-days.js';
import { deleteDeviceVisits } from '../../server/src/data-access/visit-erase-repo.js';
import type { VisitRecord } from '../../server/src/data-access/visit-record.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import { DAY, month, NOW, visit, withDatabase } from '../harness/retention.js';

const HOUR = 3_600_000;
/** `hour` o'clock UTC `days` days from today (whatever the time of day the test runs). */
const at = (days: number, hour: number) =>
  new Date(Math.floor(NOW / DAY) * DAY + days * DAY + hour * HOUR);
const DAILY = 'SELECT * FROM study_daily ORDER BY utc_day, cohort';
const DOMAINS = 'SELECT * FROM study_domains ORDER BY utc_day, cohort, domain';
const DAILY_IN = `SELECT * FROM study_daily_in('-infinity', 'infinity') ORDER BY utc_day, cohort`;
const DOMAINS_IN = `SELECT * FROM study_domains_in('-infinity', 'infinity')
                    ORDER BY utc_day, cohort, domain`;

const TODAY = "(now() AT TIME ZONE 'UTC')::date";

/**
 * The readers equal the views, listed and then kept (days before today; today stays listed);
 * resolves with the number of study_domains rows.
 */
async function expectKeptAsViews(pool: Pool): Promise<number> {
  const daily = (await pool.query(DAILY)).rows;
  const domains = (await pool.query(DOMAINS)).rows;
  expect((await pool.query(DAILY_IN)).rows).toEqual(daily);
  expect((await pool.query(DOMAINS_IN)).rows).toEqual(domains);
  await refreshStudyDays(pool);
  const listed = await pool.query(
    `SELECT count(*)::int AS n FROM study_dirty_days WHERE day < ${TODAY}`,
  );
  expect(listed.rows).toEqual([{ n: 0 }]);
  expect((await pool.query(DAILY_IN)).rows).toEqual(daily);
  expect((await pool.query(DOMAINS_IN)).rows).toEqual(domains);
  const kept = await pool.query('SELECT * FROM study_day_domains ORDER BY utc_day, cohort, domain');
  const before = (r: { utc_day: Date }) =>
    r.utc_day < new Date(new Date().toISOString().slice(0, 10));
  expect(kept.rows).toEqual(domains.filter(before));
  expect(
    (await pool.query('SELECT * FROM study_day_groups ORDER BY utc_day, cohort')).rows,
  ).toEqual(daily.filter(before));
  return domains.length;
}

/** A second device (no cohort, as the first) that makes each visit of `records` too. */
async function twin(pool: Pool, recent: VisitRecord): Promise<(r: VisitRecord[]) => VisitRecord[]> {
  const id = uuidv7();
  await pool.query(
    `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os)
     VALUES ($1, $2, '1', 'Chrome', '131', 'Linux')`,
    [id, Buffer.alloc(32, 2)],
  );
  const both = (records: VisitRecord[]) =>
    records.flatMap((r) => [r, { ...r, id: uuidv7(), deviceId: id, sessionId: uuidv7() }]);
  await insertVisits(pool, both([recent]).slice(1));
  return both;
}

describe('the Study days kept', () => {
  it(
    'stay the views after inserts, resends, erases, retention and a new MIN_GROUP_DEVICES',
    () =>
      withDatabase('study_day_cache', async (pool, device, recent) => {
        // Two devices, groups of 2 show.
        await pool.query('UPDATE study_settings SET min_group_devices = 2');
        const both = await twin(pool, recent);
        expect(await expectKeptAsViews(pool)).toBe(1);

        const session = uuidv7();
        const a = { ...visit(device, at(-3, 9), 0), sessionId: session };
        const b = { ...visit(device, at(-3, 10), 0), domain: 'news.example' };
        const c = { ...visit(device, at(-2, 9), 0), domain: 'news.example' };
        const old = { ...visit(device, month(-5, 3), 0), domain: 'old.example' };
        await insertVisits(pool, both([a, b]));
        expect(await expectKeptAsViews(pool)).toBe(3);
        // A resend adds nothing; c and old are new.
        await insertVisits(pool, both([a, b, c, old]));
        expect(await expectKeptAsViews(pool)).toBe(5);
        // The first device's news.example goes: on day -3 it is one device's, under (other
        // sites), which then holds one device and is left out; day -2 has one device left.
        expect(await deleteDeviceVisits(pool, device, { domain: 'news.example' })).toBe(2);
        expect(await expectKeptAsViews(pool)).toBe(3);

        // Retention drops month -5 with old.example's day.
        await maintainPartitions(pool, {
          now: new Date(NOW),
          monthsAhead: 0,
          monthsBack: 0,
          retentionDays: 40,
        });
        expect(await expectKeptAsViews(pool)).toBe(2);

        // With 3, the two devices' groups all go.
        await pool.query('UPDATE study_settings SET min_group_devices = 3');
        expect(await expectKeptAsViews(pool)).toBe(0);
        await pool.query('UPDATE study_settings SET min_group_devices = 2');
        expect(await expectKeptAsViews(pool)).toBe(2);

        await eraseDevice(pool, device);
        expect(await expectKeptAsViews(pool)).toBe(0);
      }),
    120_000,
  );

  it(
    'keep a day listed that a writer changed while a refresh ran',
    () =>
      withDatabase('study_day_cache_race', async (pool, device, recent) => {
        await pool.query('UPDATE study_settings SET min_group_devices = 2');
        const both = await twin(pool, recent);
        await refreshStudyDays(pool);
        const writer = await pool.connect();
        try {
          // The writer's visit is not committed when the refresh starts: the refresh neither
          // sees it nor takes its day off the list, so the day stays listed until made again.
          await writer.query('BEGIN');
          const start = at(-4, 9);
          for (const v of both([visit(device, start, 0)])) {
            await writer.query(
              `INSERT INTO visits (id, started_at, ended_at, device_id, session_id, batch_id, url,
             domain, title, active_ms, transition, started_at_corrected, ended_at_corrected,
             clock_skew_ms, received_at, written_at)
           VALUES ($1, $2, $2, $3, $1, $1, NULL, 'late.example', NULL, 1000, 'link', $2, $2, 0,
                   $2, $2)`,
              [v.id, start, v.deviceId],
            );
          }
          await refreshStudyDays(pool);
          await writer.query('COMMIT');
        } finally {
          writer.release();
        }
        const listed = await pool.query('SELECT count(*)::int AS n FROM study_dirty_days');
        expect(listed.rows[0].n).toBeGreaterThan(0);
        const domains = await pool.query(DOMAINS_IN);
        expect(domains.rows.map((r) => r.domain)).toContain('late.example');
        expect(await expectKeptAsViews(pool)).toBe(2);
      }),
    120_000,
  );
});
