/**
 * Every panel's SQL in every generated dashboard, expanded as Grafana would for a fixed range and
 * variable selection, runs on PostgreSQL as the role of its datasource (grafana_reader, or
 * grafana_study_reader for the Study dashboards) against the seed and returns
 * the expected columns and values. Each All-variables result is also drawn as an SVG under
 * test-output/grafana/, so a person can see what the panels would show.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dashboard } from '@grafana/schema';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allDashboards } from '../../grafana/src/all-dashboards.js';
import { STUDY_DATASOURCE } from '../../grafana/src/datasource.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase } from '../harness/server.js';
import {
  type Cell,
  expandQuery,
  panelQueries,
  panelsOf,
  type QueryResult,
  runQuery,
  type Scenario,
  variableQueries,
} from './dashboard-queries.js';
import {
  EXPECTED_ALL,
  EXPECTED_VARIABLE_OPTIONS,
  type ExpectedResult,
} from './expected-panel-results.js';
import { renderPanelSvg } from './render-svg.js';
import { createSeedPartitions, DEVICES, RANGE, seedVisits } from './seed-visits.js';

const OUTPUT_DIR = join(process.cwd(), 'test-output', 'grafana');
const ALL: Scenario = { from: RANGE.from, to: RANGE.to, intervalMs: RANGE.intervalMs };

const dashboards = allDashboards().map((g) => g.dashboard);
const byUid = new Map(dashboards.map((d) => [d.uid ?? '', d]));
const queries = dashboards.flatMap((d) => panelQueries(d).map((q) => ({ ...q, dashboard: d })));

function dashboard(uid: string): Dashboard {
  const d = byUid.get(uid);
  if (d === undefined) throw new Error(`no dashboard ${uid}`);
  return d;
}

/** Same columns, same rows in the same order; numbers equal to 9 significant digits. */
function expectResult(actual: QueryResult, expected: ExpectedResult): void {
  expect(actual.columns).toEqual(expected.columns);
  const round = (v: Cell): Cell => (typeof v === 'number' ? Number(v.toPrecision(9)) : v);
  expect(actual.rows.map((r) => r.map(round))).toEqual(expected.rows.map((r) => r.map(round)));
}

function panelOf(uid: string, title: string): Record<string, unknown> {
  const panel = panelsOf(dashboard(uid)).find((p) => p.title === title);
  return (panel ?? {}) as Record<string, unknown>;
}

function drawStyle(uid: string, title: string): 'bars' | 'lines' {
  const custom = (
    panelOf(uid, title).fieldConfig as { defaults?: { custom?: { drawStyle?: string } } }
  )?.defaults?.custom;
  return custom?.drawStyle === 'bars' ? 'bars' : 'lines';
}

function unitOf(uid: string, title: string): string {
  const unit = (panelOf(uid, title).fieldConfig as { defaults?: { unit?: string } })?.defaults
    ?.unit;
  return unit ?? '';
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

describe('dashboard panels on PostgreSQL, as grafana_reader', () => {
  let owner: pg.Client;
  let reader: pg.Client;
  let studyReader: pg.Client;
  const pictures: Array<{ uid: string; file: string }> = [];

  /** Expands and runs one panel's query for a scenario. */
  /** The session of the role the datasource logs in as. */
  function clientFor(datasourceUid: string | undefined): pg.Client {
    return datasourceUid === STUDY_DATASOURCE.uid ? studyReader : reader;
  }

  async function run(uid: string, title: string, scenario: Scenario = ALL): Promise<QueryResult> {
    const q = queries.find((x) => x.dashboardUid === uid && x.panelTitle === title);
    if (q === undefined) throw new Error(`no panel "${title}" on ${uid}`);
    const client = clientFor(q.datasourceUid);
    return runQuery(client, expandQuery(q.rawSql, q.dashboard, scenario), q.format);
  }

  beforeAll(async () => {
    const url = await freshDatabase('grafana_panels');
    await prepareDatabase(url);
    await createSeedPartitions(url);
    owner = new pg.Client({ connectionString: url });
    await owner.connect();
    await seedVisits(owner);
    reader = new pg.Client({ connectionString: url });
    await reader.connect();
    // The role Grafana logs in as: every query below runs with its privileges only.
    await reader.query('SET ROLE grafana_reader');
    studyReader = new pg.Client({ connectionString: url });
    await studyReader.connect();
    // The Study datasource's role: the study_* views and nothing else.
    await studyReader.query('SET ROLE grafana_study_reader');
    await mkdir(OUTPUT_DIR, { recursive: true });
  });

  afterAll(async () => {
    const links = pictures
      .map((p) => `<div><img src="${p.uid}/${p.file}" alt="${p.file}"></div>`)
      .join('\n');
    await writeFile(
      join(OUTPUT_DIR, 'index.html'),
      `<!doctype html><title>Tracksphere panels on the test seed</title><body style="background:#111">\n${links}\n</body>\n`,
    );
    await reader?.end();
    await studyReader?.end();
    await owner?.end();
  });

  it('reads as a role that may not see device token hashes', async () => {
    await expect(reader.query('SELECT token_hash FROM devices')).rejects.toThrow(
      /permission denied/,
    );
  });

  it('has an expected result for every panel, and a panel for every expected result', () => {
    const keys = queries.map((q) => `${q.dashboardUid}/${q.panelTitle}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual(Object.keys(EXPECTED_ALL).sort());
  });

  it.each(queries.map((q) => [`${q.dashboardUid}/${q.panelTitle}`, q] as const))(
    '%s: shows the expected values with every variable on All',
    async (key, q) => {
      const result = await run(q.dashboardUid, q.panelTitle);
      const expected = EXPECTED_ALL[key];
      if (expected === undefined) throw new Error(`no expected result for ${key}`);
      expectResult(result, expected);

      const file = `${slug(q.panelTitle)}.svg`;
      await mkdir(join(OUTPUT_DIR, q.dashboardUid), { recursive: true });
      await writeFile(
        join(OUTPUT_DIR, q.dashboardUid, file),
        renderPanelSvg({
          title: q.panelTitle,
          panelType: q.panelType,
          style: drawStyle(q.dashboardUid, q.panelTitle),
          unit: unitOf(q.dashboardUid, q.panelTitle),
          from: RANGE.from,
          to: RANGE.to,
          result,
        }),
      );
      pictures.push({ uid: q.dashboardUid, file });
    },
  );

  it.each(
    dashboards.flatMap((d) =>
      variableQueries(d).map((v) => [`${v.dashboardUid}/$${v.name}`, v, d] as const),
    ),
  )('%s: offers the expected choices', async (_key, v, d) => {
    const expected = EXPECTED_VARIABLE_OPTIONS[v.name];
    if (expected === undefined) throw new Error(`no expected options for ${v.name}`);
    const ds = d.templating?.list?.find((x) => x.name === v.name)?.datasource;
    const client = clientFor(typeof ds === 'object' && ds !== null ? ds.uid : undefined);
    expectResult(await runQuery(client, expandQuery(v.rawSql, d, ALL), 'table'), expected);
  });

  describe('with variables set', () => {
    const withSelections = (selections: Scenario['selections']): Scenario => ({
      ...ALL,
      selections,
    });

    it('two devices: only their visits count', async () => {
      const s = withSelections({ device: [DEVICES.bob.id, DEVICES.carol.id] });
      // bob 8+2+45, carol 20+10
      expect((await run('tracksphere-overview', 'Visits', s)).rows).toEqual([[5]]);
      expect((await run('tracksphere-overview', 'Active time', s)).rows).toEqual([[85 * 60_000]]);
      expect((await run('tracksphere-overview', 'Active devices', s)).rows).toEqual([[2]]);
      expect((await run('tracksphere-overview', 'Domains', s)).rows).toEqual([[4]]);
    });

    it('two domains: the trend draws just those', async () => {
      const s = withSelections({ domain: ['news.test', 'docs.test'] });
      expect((await run('tracksphere-sites', 'Active time of the chosen domains', s)).rows).toEqual(
        [
          ['2025-03-10T08:00:00.000Z', 'news.test', 25 * 60_000],
          ['2025-03-10T09:00:00.000Z', 'docs.test', 20 * 60_000],
          ['2025-03-10T09:00:00.000Z', 'news.test', 8 * 60_000],
          ['2025-03-10T10:00:00.000Z', 'docs.test', 24 * 60_000],
        ],
      );
    });

    it('one browser given as a single value (as from a URL) still filters', async () => {
      const s = withSelections({ browser: 'Firefox' });
      expect((await run('tracksphere-audience', 'Browsers', s)).rows).toEqual([['Firefox', 1]]);
    });

    it('one device: its sessions only', async () => {
      const s = withSelections({ device: [DEVICES.alice.id] });
      expect((await run('tracksphere-sessions', 'Sessions', s)).rows).toEqual([[2]]);
      // median of 65 and 40 minutes
      expect((await run('tracksphere-sessions', 'Median session length', s)).rows).toEqual([
        [52.5 * 60],
      ]);
    });

    it("cohorts: the admin's panels count the chosen cohorts, the Study ones only groups of 5", async () => {
      await owner.query("INSERT INTO cohorts (name) VALUES ('pilot')");
      await owner.query(
        "UPDATE devices SET cohort_id = (SELECT id FROM cohorts WHERE name = 'pilot') WHERE id = ANY($1::uuid[])",
        [[DEVICES.alice.id, DEVICES.bob.id]],
      );
      try {
        const pilot = withSelections({ cohort: ['pilot'] });
        const none = withSelections({ cohort: ['(none)'] });
        // alice 5 + bob 3; carol 2 + dave 1 + frank 1
        expect((await run('tracksphere-overview', 'Visits', pilot)).rows).toEqual([[8]]);
        expect((await run('tracksphere-overview', 'Visits', none)).rows).toEqual([[4]]);
        expect(
          (
            await run(
              'tracksphere-overview',
              'Visits',
              withSelections({ cohort: ['pilot', '(none)'] }),
            )
          ).rows,
        ).toEqual([[12]]);
        expect((await run('tracksphere-pipeline', 'Events received', pilot)).rows).toEqual([[8]]);
        const overview = dashboard('tracksphere-overview');
        const deviceQuery = variableQueries(overview).find((v) => v.name === 'device');
        const offered = await runQuery(
          reader,
          expandQuery(deviceQuery?.rawSql ?? '', overview, pilot),
          'table',
        );
        expect(offered.rows.map((r) => r[1])).toEqual([DEVICES.bob.id, DEVICES.alice.id]);
        // Study: pilot has 2 devices and '(none)' 4 that day: no group of 5, nothing shows.
        expect((await run('tracksphere-study', 'Cohorts')).rows).toEqual([]);
        expect((await run('tracksphere-study', 'Sites')).rows).toEqual([]);
        expect((await run('tracksphere-study', 'Visits per day', pilot)).rows).toEqual([]);
      } finally {
        await owner.query('UPDATE devices SET cohort_id = NULL');
        await owner.query("DELETE FROM cohorts WHERE name = 'pilot'");
      }
    });

    it('a value with a quote in it is quoted safely and simply matches nothing', async () => {
      const s = withSelections({ domain: ["it's.test"] });
      expect((await run('tracksphere-overview', 'Visits', s)).rows).toEqual([[0]]);
    });
  });
});
