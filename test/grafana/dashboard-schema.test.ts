/**
 * The generated dashboards against Grafana's published schema. At compile time the generator's
 * output is typed as @grafana/schema's Dashboard (grafana/src/schema-dashboard.ts); here, at run
 * time, the structure Grafana needs to load and run them: schema version, uid, grid positions,
 * every query on the provisioned datasource, the template variables the SQL refers to, and SQL
 * written so that Grafana's macro engine and PostgreSQL's partition pruning both work.
 */
import * as sdk from '@grafana/grafana-foundation-sdk/dashboard';
import * as schema from '@grafana/schema';
import { describe, expect, it } from 'vitest';
import { allDashboards } from '../../grafana/src/all-dashboards.js';
import {
  POSTGRES_DATASOURCE,
  PROMETHEUS_DATASOURCE,
  STUDY_DATASOURCE,
} from '../../grafana/src/datasource.js';
import { panelQueries, panelsOf, variablesOf } from './dashboard-queries.js';

const generated = allDashboards();
const dashboards = generated.map((g) => g.dashboard);
const PANEL_TYPES = [
  'stat',
  'timeseries',
  'barchart',
  'piechart',
  'table',
  'state-timeline',
  'text',
];
const ACTIVITY_UIDS = [
  'tracksphere-overview',
  'tracksphere-sites',
  'tracksphere-audience',
  'tracksphere-sessions',
];

describe('the SDK and @grafana/schema agree on the values of the enums used', () => {
  const pairs: Array<[string, object, object]> = [
    ['SpecialValueMatch', sdk.SpecialValueMatch, schema.SpecialValueMatch],
    ['VariableRefresh', sdk.VariableRefresh, schema.VariableRefresh],
    ['VariableSort', sdk.VariableSort, schema.VariableSort],
    ['VariableHide', sdk.VariableHide, schema.VariableHide],
    ['MappingType', sdk.MappingType, schema.MappingType],
    ['DashboardCursorSync', sdk.DashboardCursorSync, schema.DashboardCursorSync],
    ['ThresholdsMode', sdk.ThresholdsMode, schema.ThresholdsMode],
  ];
  // A numeric enum object maps names to numbers and numbers back to names: keep the numbers.
  const values = (e: object): Array<string | number> => {
    const all: unknown[] = Object.values(e);
    const numbers = all.filter((v): v is number => typeof v === 'number');
    return numbers.length > 0 ? numbers : all.filter((v): v is string => typeof v === 'string');
  };

  it.each(pairs)('%s', (_name, fromSdk, fromSchema) => {
    expect(values(fromSdk).sort()).toEqual(values(fromSchema).sort());
  });
});

describe.each(generated.map((g) => [g.dashboard.uid ?? '', g] as const))('%s', (uid, g) => {
  const dashboard = g.dashboard;
  const panels = panelsOf(dashboard);
  // The Study folder's dashboards read only through the Study datasource.
  const datasource = g.folder === 'study' ? STUDY_DATASOURCE : POSTGRES_DATASOURCE;

  it('has the schema version of the installed Grafana schema, a uid and a title', () => {
    expect(dashboard.schemaVersion).toBe(schema.defaultDashboard.schemaVersion);
    expect(uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.title).toMatch(/^Tracksphere \/ /);
    expect(dashboard.time).toEqual({ from: expect.stringMatching(/^now-\d+[hd]$/), to: 'now' });
    expect(dashboard.editable).toBe(false);
    // Each set's link menu lists the dashboards of its tag: the Study ones only each other.
    if (g.folder === 'study') {
      expect(dashboard.tags).toContain('tracksphere-study');
      expect(dashboard.tags).not.toContain('tracksphere');
    } else {
      expect(dashboard.tags).toContain('tracksphere');
    }
    expect(dashboard).not.toHaveProperty('gnetId');
  });

  it('lays its panels out on the 24-column grid without overlaps', () => {
    expect(panels.length).toBeGreaterThan(0);
    const cells = new Set<string>();
    for (const p of panels) {
      expect(PANEL_TYPES).toContain(p.type);
      const g = p.gridPos;
      if (g === undefined) throw new Error(`panel "${p.title}" has no gridPos`);
      for (const v of [g.x, g.y, g.w, g.h]) expect(Number.isInteger(v)).toBe(true);
      expect(g.x + g.w).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
    const titles = panels.map((p) => p.title);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it("queries only its folder's provisioned datasource, as raw SQL in code mode", () => {
    for (const p of panels) {
      if (p.type === 'text') continue;
      // The admin's Pipeline health also reads the processes' counters from Prometheus.
      if (uid === 'tracksphere-pipeline' && p.datasource?.uid === PROMETHEUS_DATASOURCE.uid) {
        expect(p.datasource).toEqual(PROMETHEUS_DATASOURCE);
        expect(p.targets?.length).toBeGreaterThan(0);
        (p.targets ?? []).forEach((t, i) => {
          expect(t).toMatchObject({
            refId: String.fromCharCode(65 + i),
            datasource: PROMETHEUS_DATASOURCE,
            editorMode: 'code',
            expr: expect.stringMatching(/tracksphere_|ALERTS/),
          });
        });
        continue;
      }
      expect(p.datasource).toEqual(datasource);
      expect(p.targets?.length).toBe(1);
      for (const t of p.targets ?? []) {
        expect(t).toMatchObject({
          refId: 'A',
          datasource,
          rawQuery: true,
          editorMode: 'code',
        });
        expect(['time_series', 'table']).toContain(t.format);
      }
    }
  });

  it('writes SQL that survives Grafana: no comments, no computed macro arguments', () => {
    for (const q of panelQueries(dashboard)) {
      // Newer Grafana strips comments before expanding macros, older ones expand macros inside
      // them: without comments both send the same SQL.
      expect(q.rawSql).not.toMatch(/--|\/\*/);
      // A macro argument ends at the first ')', so no '(' may appear inside one.
      expect(q.rawSql).not.toMatch(/\$__\w+\([^)]*\(/);
      // $__timeGroup(...) followed by ',' silently turns into the alias form.
      expect(q.rawSql).not.toMatch(/\$__timeGroup\(/);
      if (q.format === 'time_series') expect(q.rawSql).toMatch(/\$__timeGroupAlias\(|AS "time"/);
    }
  });

  it('reads, in the Study folder, only the study views', () => {
    if (g.folder !== 'study') return;
    const sqls = [
      ...panelQueries(dashboard).map((q) => q.rawSql),
      ...variablesOf(dashboard).map((v) => String(v.query)),
    ];
    expect(sqls.length).toBeGreaterThan(0);
    for (const text of sqls) {
      const relations = [...text.matchAll(/\b(?:FROM|JOIN)\s+(\w+)/gi)].map((m) => m[1]);
      expect(relations.length).toBeGreaterThan(0);
      for (const r of relations) expect(r).toMatch(/^study_/);
    }
  });

  // The range widened by the clock tolerance, or (EDGE_HOURS) its partial edge hours.
  it('filters every visits query on the partition key', () => {
    for (const q of panelQueries(dashboard)) {
      const scans = q.rawSql.match(/FROM visits\b/g) ?? [];
      const filters =
        q.rawSql.match(/started_at (BETWEEN|>=) to_timestamp\(\$__unixEpochFrom\(\)/g) ?? [];
      expect(filters.length).toBe(scans.length);
    }
  });

  it('declares exactly the variables its SQL uses, each with an All that filters nothing', () => {
    const declared = variablesOf(dashboard).map((v) => v.name);
    const used = new Set(
      panelQueries(dashboard).flatMap((q) =>
        [...q.rawSql.matchAll(/\$\{(\w+):/g)].map((m) => m[1]),
      ),
    );
    expect([...used].sort()).toEqual([...declared].sort());
    if (ACTIVITY_UIDS.includes(uid)) {
      expect(declared).toEqual(['cohort', 'device', 'domain', 'browser']);
    }
    // Every dashboard can be narrowed to cohorts.
    expect(declared[0]).toBe('cohort');
    for (const v of variablesOf(dashboard)) {
      expect(v).toMatchObject({
        type: 'query',
        datasource,
        multi: true,
        includeAll: true,
        current: { text: ['All'], value: ['$__all'] },
      });
      expect(v.allValue).toMatch(/^'[^']+'$/);
      expect(v).toHaveProperty('definition', v.query);
      expect([1, 2]).toContain(v.refresh);
    }
  });
});

it('gives every dashboard its own uid and file', () => {
  const uids = dashboards.map((d) => d.uid);
  expect(new Set(uids).size).toBe(uids.length);
  const files = generated.map((g) => g.file);
  expect(new Set(files).size).toBe(files.length);
  for (const f of files) expect(f).toMatch(/^[a-z-]+\.generated\.json$/);
});
