/**
 * The time filter of every query hits the partition key: EXPLAIN shows PostgreSQL scanning only
 * the monthly partitions the (tolerance-widened) range touches, pruned when planning because the
 * bounds are constants after Grafana's expansion. And "All" costs nothing: the sentinel
 * comparison folds away and leaves no filter in the plan. No timings are asserted.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allDashboards } from '../../grafana/src/all-dashboards.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase } from '../harness/server.js';
import { expandQuery, panelQueries, type Scenario, variableQueries } from './dashboard-queries.js';
import { createSeedPartitions, DEVICES, RANGE, seedVisits } from './seed-visits.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
  [key: string]: unknown;
}

function relations(node: PlanNode): string[] {
  const own = node['Relation Name'] === undefined ? [] : [node['Relation Name']];
  return [...own, ...(node.Plans ?? []).flatMap(relations)];
}

// The admin's dashboards. The Study dashboards read aggregate views over the whole history
// (study-views.test.ts), not visits by range.
const dashboards = allDashboards()
  .filter((g) => g.folder === 'tracksphere')
  .map((g) => g.dashboard);
// Panels that read visits (the Devices dashboard's per-day pipeline counts read a small table of
// their own, device_pipeline_days, by day).
const queries = dashboards.flatMap((d) => [
  ...panelQueries(d)
    .filter((q) => q.rawSql.includes('FROM visits'))
    .map((q) => ({ name: `${d.uid}/${q.panelTitle}`, rawSql: q.rawSql, d })),
  ...variableQueries(d)
    .filter((v) => v.rawSql.includes('FROM visits'))
    .map((v) => ({ name: `${d.uid}/$${v.name}`, rawSql: v.rawSql, d })),
]);

/** Inside March, and across the night from March to April. */
const MID_MONTH: Scenario = { from: RANGE.from, to: RANGE.to, intervalMs: RANGE.intervalMs };
const MONTH_EDGE: Scenario = {
  from: new Date('2025-03-31T20:00:00Z'),
  to: new Date('2025-04-01T04:00:00Z'),
  intervalMs: RANGE.intervalMs,
};
const SELECTED: Scenario = {
  ...MID_MONTH,
  selections: { device: [DEVICES.alice.id], domain: ['example.com'], browser: ['Chrome'] },
};

describe('partition pruning of the dashboard queries', () => {
  let client: pg.Client;

  async function plan(sql: string): Promise<{ root: PlanNode; text: string }> {
    const res = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
      `EXPLAIN (FORMAT JSON) ${sql}`,
    );
    const root = res.rows[0]?.['QUERY PLAN'][0]?.Plan;
    if (root === undefined) throw new Error('no plan');
    return { root, text: JSON.stringify(root) };
  }

  function visitsPartitions(root: PlanNode): string[] {
    return [...new Set(relations(root).filter((r) => r.startsWith('visits')))].sort();
  }

  beforeAll(async () => {
    const url = await freshDatabase('grafana_pruning');
    await prepareDatabase(url);
    await createSeedPartitions(url);
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await seedVisits(client);
    await client.query('ANALYZE visits');
    await client.query('SET ROLE grafana_reader');
  });

  afterAll(async () => {
    await client?.end();
  });

  it('the database has the partitions around the seed and the default one', async () => {
    const res = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = 'visits' ORDER BY 1`,
    );
    const names = res.rows.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'visits_2025_02',
        'visits_2025_03',
        'visits_2025_04',
        'visits_default',
      ]),
    );
    expect(names.length).toBeGreaterThan(4);
  });

  it.each(queries.map((q) => [q.name, q] as const))(
    '%s scans only the partitions of its range',
    async (_name, q) => {
      const mid = await plan(expandQuery(q.rawSql, q.d, MID_MONTH));
      expect(visitsPartitions(mid.root)).toEqual(['visits_2025_03']);
      const edge = await plan(expandQuery(q.rawSql, q.d, MONTH_EDGE));
      expect(visitsPartitions(edge.root)).toEqual(['visits_2025_03', 'visits_2025_04']);
      const selected = await plan(expandQuery(q.rawSql, q.d, SELECTED));
      expect(visitsPartitions(selected.root)).toEqual(['visits_2025_03']);
    },
  );

  it.each(queries.map((q) => [q.name, q] as const))(
    '%s: with All selected, the variable filters fold away',
    async (_name, q) => {
      const { text } = await plan(expandQuery(q.rawSql, q.d, MID_MONTH));
      expect(text).not.toContain('__all');
      expect(text).not.toContain('00000000-0000-0000-0000-000000000000');
    },
  );

  it('with values selected, the filter reaches the scan as an index-usable condition', async () => {
    const q = queries.find((x) => x.name === 'tracksphere-overview/Visits');
    if (q === undefined) throw new Error('no Visits panel');
    const { text } = await plan(expandQuery(q.rawSql, q.d, SELECTED));
    expect(text).toContain(`device_id = '${DEVICES.alice.id}'::uuid`);
    expect(text).toContain("domain = 'example.com'::text");
  });
});
