/**
 * Panels over ranges of a day or more read rollups (grafana/src/activity-source.ts,
 * rollup-sources.ts; sessions.ts): visit_rollup, visit_device_hours, visit_domain_days,
 * visit_domain_hours, visit_sessions, and visits for the partial hours at the range's edges. On
 * the seed, over two days around it, over 16 days with partial days at both edges, and over a
 * day and 16 days starting and ending inside an hour, with every variable on All and with one
 * chosen, each such
 * query (panels and the Domain and Browser variables) answers as the same SQL forced to read
 * visits does: the same totals, domains, devices and sessions. Time series may move a visit of a
 * device whose clock is off to the hour of its raw start (the rollups' key), so there the sum
 * over the buckets is compared. EXPLAIN shows a long range on the hour with everything on All
 * reading no visits partition, and a range under a day reading no rollup.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allDashboards } from '../../grafana/src/all-dashboards.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase } from '../harness/server.js';
import {
  expandQuery,
  panelQueries,
  runQuery,
  type Scenario,
  variableQueries,
  variablesOf,
} from './dashboard-queries.js';
import { createSeedPartitions, DEVICES, seedVisits } from './seed-visits.js';

const TWO_DAYS: Scenario = {
  from: new Date('2025-03-09T12:00:00Z'),
  to: new Date('2025-03-11T12:00:00Z'),
  intervalMs: 3_600_000,
};
const SIXTEEN_DAYS: Scenario = {
  from: new Date('2025-03-05T05:00:00Z'),
  to: new Date('2025-03-21T05:00:00Z'),
  intervalMs: 3_600_000,
};
/**
 * Ranges starting or ending inside an hour, whose partial hours hold seed visits (alice's and
 * frank's 10:00-10:20, alice's and carol's 10:20-11:00): whole hours from the rollups, the
 * partial ones from visits.
 */
const DAY_OFF_HOURS: Scenario = {
  from: new Date('2025-03-09T10:20:00Z'),
  to: new Date('2025-03-10T10:20:00Z'),
  intervalMs: 60_000,
};
const SIXTEEN_DAYS_OFF_HOURS: Scenario = {
  from: new Date('2025-03-10T10:20:00Z'),
  to: new Date('2025-03-26T10:20:00Z'),
  intervalMs: 3_600_000,
};
const UNDER_A_DAY: Scenario = {
  from: new Date('2025-03-10T00:00:00Z'),
  to: new Date('2025-03-10T23:00:00Z'),
  intervalMs: 3_600_000,
};

const ROLLUPS =
  /FROM (visit_rollup|visit_device_hours|visit_domain_days|visit_domain_hours|visit_sessions)\b/;
const ROLLUP_RELATION =
  /"Relation Name":"(visit_rollup|visit_device_hours|visit_domain_days|visit_domain_hours|visit_sessions)/;

const queries = allDashboards().flatMap((g) => [
  ...panelQueries(g.dashboard)
    .filter((q) => ROLLUPS.test(q.rawSql))
    .map((q) => ({ ...q, dashboard: g.dashboard })),
  // The admin's Domain and Browser variables (the same on every dashboard that has them).
  ...(g.dashboard.uid === 'tracksphere-overview'
    ? variableQueries(g.dashboard)
        .filter((v) => ROLLUPS.test(v.rawSql))
        .map((v) => ({
          dashboardUid: v.dashboardUid,
          panelTitle: `variable ${v.name}`,
          format: 'table' as const,
          rawSql: v.rawSql,
          dashboard: g.dashboard,
        }))
    : []),
]);

/** A variable chosen, for each variable the query's dashboard has. */
const CHOICES: ReadonlyArray<Record<string, string[]>> = [
  { device: [DEVICES.alice.id] },
  { domain: ['example.com'] },
  { browser: ['Chrome'] },
  { cohort: ['(none)'] },
];

/** The same SQL with the rollup branch never taken. */
function visitsOnly(rawSql: string): string {
  return rawSql.replaceAll('$__unixEpochFrom() >= 86400', '$__unixEpochFrom() >= 999999999');
}

describe('activity panels read the rollup over ranges longer than a day', () => {
  let client: pg.Client;

  async function relations(sql: string): Promise<string> {
    const res = await client.query(`EXPLAIN (FORMAT JSON) ${sql}`);
    return JSON.stringify(res.rows[0]);
  }

  beforeAll(async () => {
    const url = await freshDatabase('grafana_rollup_panels');
    await prepareDatabase(url);
    await createSeedPartitions(url);
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await seedVisits(client);
    await client.query(
      `ANALYZE visits, visit_rollup, visit_device_hours, visit_domain_days_folded,
         visit_domain_days_delta, visit_domain_hours_folded, visit_domain_hours_delta, visit_sessions`,
    );
    await client.query('SET ROLE grafana_reader');
  });

  afterAll(async () => {
    await client?.end();
  });

  it('covers the Overview, Sites, Audience and Sessions panels, Visits per day, the variables', () => {
    expect(queries.map((q) => `${q.dashboardUid}/${q.panelTitle}`).sort()).toEqual([
      'tracksphere-audience/Browser versions',
      'tracksphere-audience/Browsers',
      'tracksphere-audience/Device types',
      'tracksphere-audience/Operating systems',
      'tracksphere-devices/Visits per day, by cohort',
      'tracksphere-overview/Active devices',
      'tracksphere-overview/Active devices over time',
      'tracksphere-overview/Active time',
      'tracksphere-overview/Active time over time',
      'tracksphere-overview/Domains',
      'tracksphere-overview/Visits',
      'tracksphere-overview/Visits over time',
      'tracksphere-overview/variable browser',
      'tracksphere-overview/variable domain',
      'tracksphere-sessions/Median session length',
      'tracksphere-sessions/Session length distribution',
      'tracksphere-sessions/Session timeline per device',
      'tracksphere-sessions/Sessions',
      'tracksphere-sessions/Visits per session',
      'tracksphere-sites/Active time of the chosen domains',
      'tracksphere-sites/Top domains by active time',
      'tracksphere-sites/Top domains by visits',
    ]);
  });

  it.each(queries.map((q) => [`${q.dashboardUid}/${q.panelTitle}`, q] as const))(
    '%s: same figures from the rollups as from visits over two and 16 days, All or chosen',
    async (_key, q) => {
      const names = new Set(variablesOf(q.dashboard).map((v) => v.name));
      // visit_sessions counts a session crossing the range edge whole, visits cut it: ranges
      // whose edges cut seed sessions compare only the hourly rollups.
      const offHours = /FROM visit_sessions\b/.test(q.rawSql)
        ? []
        : [DAY_OFF_HOURS, SIXTEEN_DAYS_OFF_HOURS];
      const scenarios = [TWO_DAYS, SIXTEEN_DAYS, ...offHours].flatMap((range) => [
        range,
        ...CHOICES.filter((c) => Object.keys(c).every((n) => names.has(n))).map((c) => ({
          ...range,
          selections: c,
        })),
      ]);
      for (const scenario of scenarios) {
        const rollup = await runQuery(
          client,
          expandQuery(q.rawSql, q.dashboard, scenario),
          q.format,
        );
        const visits = await runQuery(
          client,
          expandQuery(visitsOnly(q.rawSql), q.dashboard, scenario),
          q.format,
        );
        const what = `${q.panelTitle} ${JSON.stringify(scenario)}`;
        expect(rollup.columns, what).toEqual(visits.columns);
        if (scenario.selections === undefined) expect(visits.rows.length).toBeGreaterThan(0);
        if (q.format === 'table') {
          expect(rollup.rows, what).toEqual(visits.rows);
        } else {
          const value = rollup.columns.length - 1;
          const total = (rows: typeof visits.rows) =>
            rows.reduce((s, r) => s + Number(r[value]), 0);
          if (!/Active devices over time|Session timeline/.test(q.panelTitle)) {
            expect(total(rollup.rows), what).toBe(total(visits.rows));
          }
        }
      }
      expect(await relations(expandQuery(q.rawSql, q.dashboard, TWO_DAYS))).not.toMatch(
        /"Relation Name":"visits_/,
      );
      expect(await relations(expandQuery(q.rawSql, q.dashboard, UNDER_A_DAY))).not.toMatch(
        ROLLUP_RELATION,
      );
    },
  );
});

/**
 * The Study panels read the rows of study_daily and study_domains for the range's days through
 * study_daily_in and study_domains_in (migration study-day-cache): kept rows per day, made on
 * the spot for days listed as changed. The same panel SQL on views of the same definition
 * grouping visits themselves (by the UTC day of the raw start, the rollups' key) answers the
 * same, groups suppressed alike, with every day listed (as seeded), after study_days_refresh()
 * and with some days kept and some listed: MIN_GROUP_DEVICES is 3 here, so the seed has groups
 * on both sides of it and domains of exactly 3 devices.
 */
describe('the Study panels read visit_rollup_days as the views over visits would', () => {
  let owner: pg.Client;
  let study: pg.Client;
  const REFERENCE = `
    CREATE SCHEMA reference;
    CREATE VIEW reference.study_daily AS
    WITH v AS (
      SELECT date_trunc('day', v.started_at, 'UTC') AS day, coalesce(c.name, '(none)') AS cohort,
             v.device_id, v.active_ms
      FROM visits v JOIN devices d ON d.id = v.device_id LEFT JOIN cohorts c ON c.id = d.cohort_id
    ), g AS (
      SELECT day, cohort, count(DISTINCT device_id) AS devices, count(*) AS visits,
             sum(active_ms) AS active_ms
      FROM v GROUP BY day, cohort
    )
    SELECT g.day, g.cohort, g.devices, g.visits, g.active_ms,
           (g.day AT TIME ZONE 'UTC')::date AS utc_day
    FROM g CROSS JOIN study_settings s WHERE g.devices >= s.min_group_devices;
    CREATE VIEW reference.study_domains AS
    WITH v AS (
      SELECT date_trunc('day', v.started_at, 'UTC') AS day, coalesce(c.name, '(none)') AS cohort,
             v.domain, v.device_id, v.active_ms
      FROM visits v JOIN devices d ON d.id = v.device_id LEFT JOIN cohorts c ON c.id = d.cohort_id
    ), per_domain AS (
      SELECT day, cohort, domain, count(DISTINCT device_id) AS devices FROM v
      GROUP BY day, cohort, domain
    ), per_day AS (
      SELECT day, cohort, count(DISTINCT device_id) AS devices FROM v GROUP BY day, cohort
    ), labelled AS (
      SELECT v.day, v.cohort,
             CASE WHEN p.devices >= s.min_group_devices THEN v.domain ELSE '(other sites)' END
               AS domain,
             v.device_id, v.active_ms
      FROM v JOIN per_domain p USING (day, cohort, domain) CROSS JOIN study_settings s
    ), small_other AS (
      SELECT day, cohort FROM labelled CROSS JOIN study_settings s
      WHERE domain = '(other sites)'
      GROUP BY day, cohort, s.min_group_devices
      HAVING count(DISTINCT device_id) < s.min_group_devices
    ), joining AS (
      -- A day whose (other sites) is too small to show: its shown site of fewest devices joins it.
      SELECT DISTINCT ON (p.day, p.cohort) p.day, p.cohort, p.domain
      FROM (SELECT day, cohort, domain, count(DISTINCT device_id) AS devices,
                   sum(active_ms) AS active_ms
              FROM labelled WHERE domain <> '(other sites)' GROUP BY day, cohort, domain) p
      JOIN small_other USING (day, cohort)
      ORDER BY p.day, p.cohort, p.devices, p.active_ms, p.domain
    ), merged AS (
      SELECT l.day, l.cohort, CASE WHEN j.domain IS NULL THEN l.domain ELSE '(other sites)' END
               AS domain, l.device_id, l.active_ms
      FROM labelled l LEFT JOIN joining j USING (day, cohort, domain)
    ), g AS (
      SELECT day, cohort, domain, count(DISTINCT device_id) AS devices, count(*) AS visits,
             sum(active_ms) AS active_ms
      FROM merged GROUP BY day, cohort, domain
    )
    SELECT g.day, g.cohort, g.domain, g.devices, g.visits, g.active_ms,
           (g.day AT TIME ZONE 'UTC')::date AS utc_day
    FROM g JOIN per_day d USING (day, cohort) CROSS JOIN study_settings s
    WHERE g.devices >= s.min_group_devices AND d.devices >= s.min_group_devices;
    GRANT USAGE ON SCHEMA reference TO grafana_study_reader;
    GRANT SELECT ON ALL TABLES IN SCHEMA reference TO grafana_study_reader;
  `;
  const studyQueries = allDashboards()
    .filter((g) => g.folder === 'study')
    .flatMap((g) =>
      panelQueries(g.dashboard)
        .filter((q) => /FROM study_(daily|domains)_in\(/.test(q.rawSql))
        .map((q) => ({ ...q, dashboard: g.dashboard })),
    );

  beforeAll(async () => {
    const url = await freshDatabase('grafana_rollup_study_panels');
    await prepareDatabase(url);
    await createSeedPartitions(url);
    owner = new pg.Client({ connectionString: url });
    await owner.connect();
    await seedVisits(owner);
    await owner.query('UPDATE study_settings SET min_group_devices = 3');
    await owner.query(REFERENCE);
    study = new pg.Client({ connectionString: url });
    await study.connect();
    await study.query('SET ROLE grafana_study_reader');
  });

  afterAll(async () => {
    await study?.end();
    await owner?.end();
  });

  it('covers every Study panel that reads the views', () => {
    expect(studyQueries.map((q) => q.panelTitle).sort()).toEqual([
      'Active devices per day',
      'Active time per day',
      'Cohorts',
      'Sites',
      'Visits per day',
    ]);
  });

  /** The panel's SQL on the reference views, filtered on the days the functions were given. */
  const onReference = (sql: string): string =>
    sql.replaceAll(
      /FROM study_(daily|domains)_in\((.*?::date), (.*?::date)\) AS study_\1\b/gs,
      'FROM (SELECT * FROM reference.study_$1 WHERE utc_day BETWEEN $2 AND $3) AS study_$1',
    );

  it.each(
    studyQueries.flatMap((q) =>
      (['listed', 'kept', 'some listed'] as const).map(
        (state) => [q.panelTitle, state, q] as const,
      ),
    ),
  )(
    '%s, days %s: the same rows as from visits, over a day, two days and 16 days, All or a cohort',
    async (_title, state, q) => {
      await owner.query(
        `INSERT INTO study_dirty_days (day)
         SELECT DISTINCT (hour AT TIME ZONE 'UTC')::date FROM visit_device_hours`,
      );
      if (state !== 'listed') await owner.query('SELECT study_days_refresh()');
      if (state === 'some listed') {
        // Every other day listed again, with a stale kept row that must not be read.
        await owner.query(
          `INSERT INTO study_dirty_days (day)
           SELECT DISTINCT utc_day FROM study_day_groups WHERE extract(day FROM utc_day)::int % 2 = 0`,
        );
        await owner.query(
          `UPDATE study_day_domains SET visits = visits + 1000
            WHERE utc_day IN (SELECT day FROM study_dirty_days)`,
        );
      }
      let shown = 0;
      for (const range of [DAY_OFF_HOURS, TWO_DAYS, SIXTEEN_DAYS]) {
        for (const scenario of [range, { ...range, selections: { cohort: ['(none)'] } }]) {
          const sql = expandQuery(q.rawSql, q.dashboard, scenario);
          const rollup = await runQuery(study, sql, q.format);
          const visits = await runQuery(study, onReference(sql), q.format);
          const what = `${q.panelTitle} ${JSON.stringify(scenario)}`;
          expect(rollup.columns, what).toEqual(visits.columns);
          expect(rollup.rows, what).toEqual(visits.rows);
          shown += rollup.rows.length;
        }
      }
      expect(shown).toBeGreaterThan(0);
    },
  );

  it('Sites names the domains of 3 devices; news.test joins (other sites), 2 devices', async () => {
    const q = studyQueries.find((x) => x.panelTitle === 'Sites');
    if (q === undefined) throw new Error('no Sites panel');
    const r = await runQuery(study, expandQuery(q.rawSql, q.dashboard, TWO_DAYS), q.format);
    // Shown alone, (other sites) of 2 devices would be the day's total less the shown sites:
    // the shown site of fewest devices joins it, and the group is shown.
    expect(r.rows.map((row) => row[0]).sort()).toEqual([
      '(other sites)',
      'docs.test',
      'example.com',
    ]);
  });
});
