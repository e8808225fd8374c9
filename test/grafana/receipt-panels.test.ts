/**
 * Pipeline health's series by receive time read visit_receipt_hours (migration receipt-hours)
 * for the whole hours of ranges of a day or more at buckets of an hour or more, and visits for
 * the partial hours at the edges (grafana/src/receipt-source.ts). On the seed, over two and 16
 * days, on the hour and starting and ending inside an hour, before and after the fold, each
 * answers as the same SQL forced to read visits. The buckets keep every value within 4.5 %, and
 * the Study role can read none of it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allDashboards } from '../../grafana/src/all-dashboards.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase } from '../harness/server.js';
import { expandQuery, panelQueries, runQuery, type Scenario } from './dashboard-queries.js';
import { createSeedPartitions, seedVisits } from './seed-visits.js';

const HOUR = 3_600_000;
const SCENARIOS: Scenario[] = [
  {
    from: new Date('2025-03-09T12:00:00Z'),
    to: new Date('2025-03-11T12:00:00Z'),
    intervalMs: HOUR,
  },
  {
    from: new Date('2025-03-05T05:00:00Z'),
    to: new Date('2025-03-21T05:00:00Z'),
    intervalMs: HOUR,
  },
  // Edges inside the hours the seed's visits were received in (08:00-12:00 on 2025-03-10).
  {
    from: new Date('2025-03-09T10:20:00Z'),
    to: new Date('2025-03-10T10:20:00Z'),
    intervalMs: HOUR,
  },
  {
    from: new Date('2025-03-10T09:30:00Z'),
    to: new Date('2025-03-26T10:20:00Z'),
    intervalMs: HOUR,
  },
  {
    from: new Date('2025-03-09T10:20:00Z'),
    to: new Date('2025-03-10T10:20:00Z'),
    intervalMs: 2 * HOUR,
  },
];

const pipeline = allDashboards().find((g) => g.dashboard.uid === 'tracksphere-pipeline');
if (pipeline === undefined) throw new Error('no Pipeline health dashboard');
const dashboard = pipeline.dashboard;
const queries = panelQueries(dashboard).filter((q) =>
  q.rawSql.includes('FROM visit_receipt_hours'),
);

/** The same SQL with the rollup branch never taken. */
function visitsOnly(rawSql: string): string {
  return rawSql.replaceAll('$__interval_ms >= 3600000', '$__interval_ms < 0');
}

describe('Pipeline health reads the receipt hours', () => {
  let client: pg.Client;

  async function expectSameAsVisits(): Promise<void> {
    for (const q of queries) {
      for (const scenario of SCENARIOS) {
        const rollup = await runQuery(client, expandQuery(q.rawSql, dashboard, scenario), q.format);
        const visits = await runQuery(
          client,
          expandQuery(visitsOnly(q.rawSql), dashboard, scenario),
          q.format,
        );
        const what = `${q.panelTitle} ${JSON.stringify(scenario)}`;
        expect(visits.rows.length, what).toBeGreaterThan(0);
        expect(rollup, what).toEqual(visits);
      }
    }
  }

  beforeAll(async () => {
    const url = await freshDatabase('grafana_receipt_panels');
    await prepareDatabase(url);
    await createSeedPartitions(url);
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await seedVisits(client);
    await client.query('ANALYZE visits, visit_receipt_hours_folded, visit_receipt_hours_delta');
  });

  afterAll(async () => {
    await client?.end();
  });

  it('covers the four series', () => {
    expect(queries.map((q) => q.panelTitle).sort()).toEqual([
      'Clock skew',
      'Consumer delay',
      'Events received per minute',
      'Ingest delay',
    ]);
  });

  it('answers as visits do, with the deltas unfolded and folded', async () => {
    const unfolded = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM visit_receipt_hours_delta',
    );
    expect(Number(unfolded.rows[0]?.n)).toBeGreaterThan(0);
    await client.query('SET ROLE grafana_reader');
    await expectSameAsVisits();
    await client.query('RESET ROLE');
    await client.query('SELECT visit_receipt_fold()');
    const left = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM visit_receipt_hours_delta',
    );
    expect(Number(left.rows[0]?.n)).toBe(0);
    await client.query('SET ROLE grafana_reader');
    await expectSameAsVisits();
    // Hourly buckets over two days read the histogram, minute buckets only visits.
    for (const q of queries) {
      const plan = async (s: Scenario) =>
        JSON.stringify(
          (await client.query(`EXPLAIN (FORMAT JSON) ${expandQuery(q.rawSql, dashboard, s)}`))
            .rows[0],
        );
      const first = SCENARIOS[0] as Scenario;
      expect(await plan(first)).toMatch(/"Relation Name":"visit_receipt_hours_folded"/);
      expect(await plan({ ...first, intervalMs: 60_000 })).not.toMatch(/visit_receipt_hours/);
    }
    await client.query('RESET ROLE');
  });

  it('keeps each value within 4.5 % in its bucket, of either sign', async () => {
    const r = await client.query<{ worst: number; n: string }>(
      `SELECT max(abs(receipt_bucket_seconds(receipt_bucket(ms)) * 1000 / ms - 1)) AS worst,
              count(*) AS n
         FROM (SELECT s * power(10, e / 7.0) AS ms
                 FROM generate_series(0, 70) e, (VALUES (1), (-1)) AS sign (s)) v`,
    );
    expect(Number(r.rows[0]?.n)).toBe(142);
    expect(r.rows[0]?.worst).toBeLessThan(0.045);
    const zero = await client.query(
      'SELECT receipt_bucket(0.4) AS b, receipt_bucket_seconds(receipt_bucket(0.4)) AS s',
    );
    expect(zero.rows[0]).toEqual({ b: 0, s: 0 });
  });

  it('gives the Study role nothing of it', async () => {
    for (const sql of [
      'SELECT * FROM visit_receipt_hours',
      'SELECT * FROM visit_receipt_hours_folded',
      'SELECT receipt_bucket(1)',
    ]) {
      await client.query('SET ROLE grafana_study_reader');
      await expect(client.query(sql), sql).rejects.toThrow(/permission denied/);
      await client.query('RESET ROLE');
    }
  });
});
