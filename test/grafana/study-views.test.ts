/**
 * The Study dashboards' database side (migration study-views): grafana_study_reader may read
 * the study views and nothing else, and every row of those views is a group of at least
 * MIN_GROUP_DEVICES (study_settings, default 5) devices: a cohort of 4 shows nothing, one of 5
 * shows; a domain 4 devices visited is counted under '(other sites)', one 5 visited is named.
 * The same through study_daily_in and study_domains_in (migration study-day-cache), whose kept
 * tables and helper functions the role can neither read nor run.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase } from '../harness/server.js';

const DAY = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));
const HOUR = 3_600_000;

let owner: pg.Client;
let study: pg.Client;
let seq = 0;

const deviceId = (n: number): string => `5d000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function addDevice(n: number, cohort: string): Promise<string> {
  const id = deviceId(n);
  await owner.query(
    `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os,
       cohort_id)
     VALUES ($1, $2, '1.0.0', 'Chrome', '131', 'Linux', (SELECT id FROM cohorts WHERE name = $3))`,
    [id, Buffer.alloc(32, 1), cohort],
  );
  return id;
}

async function addVisit(device: string, domain: string, activeMin = 10): Promise<void> {
  seq += 1;
  const start = new Date(DAY.getTime() + 9 * HOUR + seq * 1000);
  const end = new Date(start.getTime() + activeMin * 60_000);
  await owner.query(
    `INSERT INTO visits (id, started_at, ended_at, device_id, session_id, batch_id, url, domain,
       title, active_ms, transition, started_at_corrected, ended_at_corrected, clock_skew_ms,
       received_at, written_at)
     VALUES ($1, $2, $3, $4, $5, $5, NULL, $6, NULL, $7, 'link', $2, $3, 0, $3, $3)`,
    [
      `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      start,
      end,
      device,
      `5e000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      domain,
      activeMin * 60_000,
    ],
  );
}

beforeAll(async () => {
  const url = await freshDatabase('study_views');
  await prepareDatabase(url);
  owner = new pg.Client({ connectionString: url });
  await owner.connect();
  study = new pg.Client({ connectionString: url });
  await study.connect();
  await study.query('SET ROLE grafana_study_reader');

  await owner.query("INSERT INTO cohorts (name) VALUES ('big'), ('small')");
  // big: 5 devices, all on shared.test; devices 1-4 also on few.test, device 5 on rare.test.
  for (let n = 1; n <= 5; n++) {
    const id = await addDevice(n, 'big');
    await addVisit(id, 'shared.test');
    await addVisit(id, n <= 4 ? 'few.test' : 'rare.test', 5);
  }
  // small: 4 devices.
  for (let n = 11; n <= 14; n++) await addVisit(await addDevice(n, 'small'), 'shared.test');
});

afterAll(async () => {
  await study?.end();
  await owner?.end();
});

describe('grafana_study_reader', () => {
  it.each([
    'visits',
    'devices',
    'cohorts',
    'erased_devices',
    'enrollment_codes',
    'study_settings',
    'study_day_groups',
    'study_day_domains',
    'study_dirty_days',
  ])('cannot read %s', async (table) => {
    await expect(study.query(`SELECT 1 FROM ${table} LIMIT 1`)).rejects.toThrow(
      /permission denied/,
    );
  });

  it.each(['study_days_refresh()', "study_daily_of('{}')", "study_domains_of('{}')"])(
    'cannot run %s',
    async (call) => {
      await expect(study.query(`SELECT * FROM ${call}`)).rejects.toThrow(/permission denied/);
    },
  );

  it('cannot write to the views', async () => {
    await expect(study.query("DELETE FROM study_daily WHERE cohort = 'big'")).rejects.toThrow(
      /permission denied|cannot delete from view/,
    );
  });

  it('shows a cohort of 5 devices and nothing of a cohort of 4', async () => {
    const r = await study.query(
      'SELECT day, cohort, devices::int, visits::int, active_ms::bigint::text FROM study_daily ORDER BY cohort',
    );
    expect(r.rows).toEqual([
      { day: DAY, cohort: 'big', devices: 5, visits: 10, active_ms: String(75 * 60_000) },
    ]);
    const names = await study.query('SELECT cohort FROM study_cohort_names');
    expect(names.rows).toEqual([{ cohort: 'big' }]);
  });

  it('names a domain of 5 devices, hides one of 4 under (other sites)', async () => {
    const r = await study.query(
      'SELECT cohort, domain, devices::int, visits::int FROM study_domains ORDER BY domain',
    );
    // few.test (4 devices) and rare.test (1) make (other sites): 5 devices, 5 visits.
    expect(r.rows).toEqual([
      { cohort: 'big', domain: '(other sites)', devices: 5, visits: 5 },
      { cohort: 'big', domain: 'shared.test', devices: 5, visits: 5 },
    ]);
  });

  it.each(['listed', 'kept'])(
    'reads the same groups through the range functions, days %s',
    async (state) => {
      if (state === 'kept') await owner.query('SELECT study_days_refresh()');
      // Today stays listed (DAY, the first of the month, may be today).
      const listed = await owner.query(
        `SELECT count(*)::int AS n FROM study_dirty_days WHERE day < (now() AT TIME ZONE 'UTC')::date`,
      );
      expect(listed.rows[0].n > 0).toBe(
        state === 'listed' && DAY.getTime() < Date.now() - 86_400_000,
      );
      const range = `'${DAY.toISOString().slice(0, 10)}'::date, '${DAY.toISOString().slice(0, 10)}'::date`;
      const d = await study.query(
        `SELECT cohort, devices::int, visits::int FROM study_daily_in(${range}) ORDER BY cohort`,
      );
      expect(d.rows).toEqual([{ cohort: 'big', devices: 5, visits: 10 }]);
      // few.test (4 devices, 5 min each) and rare.test (1 device) make (other sites).
      const r = await study.query(
        `SELECT cohort, domain, devices::int, visits::int, active_ms::bigint::text
           FROM study_domains_in(${range}) ORDER BY domain`,
      );
      expect(r.rows).toEqual([
        {
          cohort: 'big',
          domain: '(other sites)',
          devices: 5,
          visits: 5,
          active_ms: String(25 * 60_000),
        },
        {
          cohort: 'big',
          domain: 'shared.test',
          devices: 5,
          visits: 5,
          active_ms: String(50 * 60_000),
        },
      ]);
      const before = await study.query(`SELECT * FROM study_domains_in(${range})`);
      const dayBefore = new Date(DAY.getTime() - 86_400_000).toISOString().slice(0, 10);
      expect(
        (await study.query(`SELECT * FROM study_domains_in('${dayBefore}', '${dayBefore}')`)).rows,
      ).toEqual([]);
      expect(before.rows.length).toBe(2);
    },
  );

  it('drops (other sites) too when it holds fewer devices', async () => {
    await owner.query('UPDATE study_settings SET min_group_devices = 6');
    try {
      expect((await study.query('SELECT * FROM study_domains')).rows).toEqual([]);
      expect((await study.query('SELECT * FROM study_daily')).rows).toEqual([]);
      await owner.query('SELECT study_days_refresh()');
      const all = "'-infinity', 'infinity'";
      expect((await study.query(`SELECT * FROM study_domains_in(${all})`)).rows).toEqual([]);
      expect((await study.query(`SELECT * FROM study_daily_in(${all})`)).rows).toEqual([]);
    } finally {
      await owner.query('UPDATE study_settings SET min_group_devices = 5');
    }
  });

  it('shows the small cohort once it has a fifth device', async () => {
    await addVisit(await addDevice(15, 'small'), 'shared.test');
    const r = await study.query(
      "SELECT cohort, devices::int FROM study_daily WHERE cohort = 'small'",
    );
    expect(r.rows).toEqual([{ cohort: 'small', devices: 5 }]);
    const d = await study.query(
      "SELECT domain, devices::int FROM study_domains WHERE cohort = 'small'",
    );
    expect(d.rows).toEqual([{ domain: 'shared.test', devices: 5 }]);
    await owner.query('SELECT study_days_refresh()');
    const kept = await study.query(
      `SELECT domain, devices::int FROM study_domains_in('-infinity', 'infinity')
        WHERE cohort = 'small'`,
    );
    expect(kept.rows).toEqual([{ domain: 'shared.test', devices: 5 }]);
  });

  it("does not give a small (other sites) away as the day's total less the shown sites", async () => {
    // third: 5 devices on shared.test; device 21 alone also on lonely.test (3 visits, 42 min).
    await owner.query("INSERT INTO cohorts (name) VALUES ('third')");
    for (let n = 21; n <= 25; n++) await addVisit(await addDevice(n, 'third'), 'shared.test');
    for (let i = 0; i < 3; i++) await addVisit(deviceId(21), 'lonely.test', 14);
    const day = `'${DAY.toISOString().slice(0, 10)}'::date`;
    const sources = [
      ['study_daily', 'study_domains'],
      [`study_daily_in(${day}, ${day})`, `study_domains_in(${day}, ${day})`],
    ];
    for (const [daily, domains] of sources) {
      const total = await study.query(
        `SELECT visits::int, active_ms::bigint::text FROM ${daily} WHERE cohort = 'third'`,
      );
      expect(total.rows).toEqual([{ visits: 8, active_ms: String(92 * 60_000) }]);
      // shared.test (the only shown site) joins the one device's lonely.test: nothing is left
      // hidden between the total and the rows, and no row is of fewer than 5 devices.
      const rows = await study.query(
        `SELECT domain, devices::int, visits::int, active_ms::bigint::text FROM ${domains}
          WHERE cohort = 'third' ORDER BY domain`,
      );
      expect(rows.rows).toEqual([
        { domain: '(other sites)', devices: 5, visits: 8, active_ms: String(92 * 60_000) },
      ]);
    }
  });
});
