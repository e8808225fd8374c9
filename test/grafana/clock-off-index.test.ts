/**
 * "Visits from clocks off by more than a day" reads only visits_clock_off_idx (migration
 * clock-off-index), the partial index of the visits whose clock was off by more than a day: the
 * panel's predicate must be the index's, or PostgreSQL reads every visit received in the range
 * (3.0 s over 90 days at 10,000,000 visits). The answer is the seed's one such visit either way.
 * No timings are asserted.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allDashboards } from '../../grafana/src/all-dashboards.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase } from '../harness/server.js';
import { expandQuery, panelQueries, runQuery } from './dashboard-queries.js';
import { createSeedPartitions, RANGE, seedVisits } from './seed-visits.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Every scan of a visits partition in the plan, with the index it reads (if any). */
function visitScans(node: PlanNode): Array<{ type: string; index?: string }> {
  const own =
    node['Relation Name']?.startsWith('visits_') === true
      ? [{ type: node['Node Type'], index: node['Index Name'] }]
      : [];
  return [...own, ...(node.Plans ?? []).flatMap(visitScans)];
}

const pipeline = allDashboards().find((g) => g.dashboard.uid === 'tracksphere-pipeline');
if (pipeline === undefined) throw new Error('no Pipeline health dashboard');
const dashboard = pipeline.dashboard;
const query = panelQueries(dashboard).find(
  (q) => q.panelTitle === 'Visits from clocks off by more than a day',
);
if (query === undefined) throw new Error('no "Visits from clocks off by more than a day" panel');
const panelSql = expandQuery(query.rawSql, dashboard, RANGE);

describe('Visits from clocks off by more than a day', () => {
  let client: pg.Client;
  let partitionIndexes: string[];

  beforeAll(async () => {
    const url = await freshDatabase('grafana_clock_off');
    await prepareDatabase(url);
    await createSeedPartitions(url);
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await seedVisits(client);
    await client.query('ANALYZE visits');
    const parts = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'visits_clock_off_idx'::regclass`,
    );
    partitionIndexes = parts.rows.map((r) => r.name);
  });

  afterAll(async () => {
    await client?.end();
  });

  it('reads only the partial index of such visits, as the dashboards role', async () => {
    expect(partitionIndexes.length).toBeGreaterThan(0);
    await client.query('SET ROLE grafana_reader');
    // The seed is small enough for a sequential scan to win; without it, the choice left is
    // between the partial index and visits_received_cover_idx, which holds every visit.
    await client.query('SET enable_seqscan = off');
    const plan = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
      `EXPLAIN (FORMAT JSON) ${panelSql}`,
    );
    const scans = visitScans(plan.rows[0]?.['QUERY PLAN'][0]?.Plan as PlanNode);
    expect(scans.length).toBeGreaterThan(0);
    for (const scan of scans) expect(partitionIndexes).toContain(scan.index);
    const answer = await runQuery(client, panelSql, query.format);
    expect(answer.rows).toEqual([[1]]);
    await client.query('RESET enable_seqscan');
    await client.query('RESET ROLE');
  });
});
