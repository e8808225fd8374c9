/**
 * Activity panels over ranges longer than a day read visit_rollup (grafana/src/activity-source.ts).
 * On the seed, over two whole days around it, each such panel answers as the same SQL forced to
 * read visits does: the same totals, domains and devices. Time series may move a visit of a device
 * whose clock is off to the hour of its raw start (the rollup's key), so there the sum over the
 * buckets is compared. EXPLAIN shows the long range reading no visits partition, and a day-long
 * range (or a chosen Browser) reading no rollup partition.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allDashboards } from '../../grafana/src/all-dashboards.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase } from '../harness/server.js';
import { expandQuery, panelQueries, runQuery, type Scenario } from './dashboard-queries.js';
import { createSeedPartitions, seedVisits } from './seed-visits.js';

const TWO_DAYS: Scenario = {
  from: new Date('2025-03-09T12:00:00Z'),
  to: new Date('2025-03-11T12:00:00Z'),
  intervalMs: 3_600_000,
};
const ONE_DAY: Scenario = {
  from: new Date('2025-03-10T00:00:00Z'),
  to: new Date('2025-03-11T00:00:00Z'),
  intervalMs: 3_600_000,
};

const queries = allDashboards().flatMap((g) =>
  panelQueries(g.dashboard)
    .filter((q) => q.rawSql.includes('FROM visit_rollup'))
    .map((q) => ({ ...q, dashboard: g.dashboard })),
);

/** The same SQL with the rollup branch never taken. */
function visitsOnly(rawSql: string): string {
  return rawSql.replaceAll('$__unixEpochFrom() > 86400', '$__unixEpochFrom() > 999999999');
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
    await client.query('ANALYZE visits, visit_rollup');
    await client.query('SET ROLE grafana_reader');
  });

  afterAll(async () => {
    await client?.end();
  });

  it('covers the Overview and Sites activity panels', () => {
    expect(queries.map((q) => q.panelTitle).sort()).toEqual([
      'Active devices',
      'Active devices over time',
      'Active time',
      'Active time of the chosen domains',
      'Active time over time',
      'Domains',
      'Top domains by active time',
      'Top domains by visits',
      'Visits',
      'Visits over time',
    ]);
  });

  it.each(queries.map((q) => [`${q.dashboardUid}/${q.panelTitle}`, q] as const))(
    '%s: same figures from the rollup as from visits over two days',
    async (_key, q) => {
      const rollup = await runQuery(client, expandQuery(q.rawSql, q.dashboard, TWO_DAYS), q.format);
      const visits = await runQuery(
        client,
        expandQuery(visitsOnly(q.rawSql), q.dashboard, TWO_DAYS),
        q.format,
      );
      expect(rollup.columns).toEqual(visits.columns);
      expect(visits.rows.length).toBeGreaterThan(0);
      if (q.format === 'table') {
        expect(rollup.rows).toEqual(visits.rows);
      } else {
        const value = rollup.columns.length - 1;
        const total = (rows: typeof visits.rows) => rows.reduce((s, r) => s + Number(r[value]), 0);
        if (q.panelTitle !== 'Active devices over time') {
          expect(total(rollup.rows)).toBe(total(visits.rows));
        }
      }
      expect(await relations(expandQuery(q.rawSql, q.dashboard, TWO_DAYS))).not.toMatch(
        /"Relation Name":"visits_/,
      );
      expect(await relations(expandQuery(q.rawSql, q.dashboard, ONE_DAY))).not.toMatch(
        /"Relation Name":"visit_rollup/,
      );
      const chrome = { ...TWO_DAYS, selections: { browser: ['Chrome'] } };
      expect(await relations(expandQuery(q.rawSql, q.dashboard, chrome))).not.toMatch(
        /"Relation Name":"visit_rollup/,
      );
    },
  );
});
