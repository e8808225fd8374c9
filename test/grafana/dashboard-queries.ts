/**
 * Every SQL query of the generated dashboards (panel targets and template-variable queries),
 * expanded for a chosen time range and variable selection the way Grafana does it (frontend
 * template interpolation, then the backend's macros), and run the way Grafana's SQL backend
 * shapes results.
 */
import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/schema';
import type pg from 'pg';
import { formatGrafanaInterval } from './go-format.js';
import { expandBackendMacros } from './grafana-macros.js';
import {
  interpolateTemplateVariables,
  type TemplateVariable,
  type VariableValue,
} from './template-variables.js';

export interface PanelQuery {
  dashboardUid: string;
  panelTitle: string;
  panelType: string;
  refId: string;
  format: 'time_series' | 'table';
  rawSql: string;
  datasourceUid: string | undefined;
}

export interface VariableQuery {
  dashboardUid: string;
  name: string;
  rawSql: string;
}

export interface Scenario {
  from: Date;
  to: Date;
  intervalMs: number;
  /** Selected values per variable name; variables not named here are on All. */
  selections?: Readonly<Record<string, VariableValue>>;
}

function isRow(p: Panel | RowPanel): p is RowPanel {
  return p.type === 'row';
}

/** Panels of a dashboard, including those inside rows. */
export function panelsOf(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).flatMap((p) => (isRow(p) ? p.panels : [p]));
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A PromQL target of a panel on the provisioned Prometheus. */
export interface PromPanelQuery {
  dashboardUid: string;
  panelTitle: string;
  refId: string;
  expr: string;
}

function isPrometheusTarget(target: Record<string, unknown>): boolean {
  const ds = target.datasource;
  return (
    typeof ds === 'object' && ds !== null && 'uid' in ds && ds.uid === 'tracksphere-prometheus'
  );
}

/** The PromQL queries of a dashboard (panels on the Prometheus datasource). */
export function promQueries(dashboard: Dashboard): PromPanelQuery[] {
  return panelsOf(dashboard).flatMap((panel) =>
    (panel.targets ?? []).filter(isPrometheusTarget).map((target) => {
      const expr = text(target.expr);
      if (expr === undefined) throw new Error(`panel "${panel.title}": PromQL target has no expr`);
      return {
        dashboardUid: dashboard.uid ?? '',
        panelTitle: panel.title ?? '',
        refId: text(target.refId) ?? '',
        expr,
      };
    }),
  );
}

/** The SQL queries of a dashboard (every target not on the Prometheus datasource). */
export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  return panelsOf(dashboard).flatMap((panel) =>
    (panel.targets ?? [])
      .filter((target) => !isPrometheusTarget(target))
      .map((target) => {
        const rawSql = text(target.rawSql);
        const format = text(target.format);
        if (rawSql === undefined || (format !== 'time_series' && format !== 'table')) {
          throw new Error(`panel "${panel.title}": target is not a SQL query`);
        }
        const ds = target.datasource;
        const datasourceUid =
          typeof ds === 'object' && ds !== null && 'uid' in ds ? text(ds.uid) : undefined;
        return {
          dashboardUid: dashboard.uid ?? '',
          panelTitle: panel.title ?? '',
          panelType: panel.type,
          refId: text(target.refId) ?? '',
          format,
          rawSql,
          datasourceUid,
        };
      }),
  );
}

export function variablesOf(dashboard: Dashboard): VariableModel[] {
  return dashboard.templating?.list ?? [];
}

export function variableQueries(dashboard: Dashboard): VariableQuery[] {
  return variablesOf(dashboard).map((v) => {
    const rawSql = text(v.query);
    if (rawSql === undefined) throw new Error(`variable ${v.name}: query is not SQL text`);
    return { dashboardUid: dashboard.uid ?? '', name: v.name, rawSql };
  });
}

/** The SQL PostgreSQL receives for `rawSql` on `dashboard` in `scenario`. */
export function expandQuery(rawSql: string, dashboard: Dashboard, scenario: Scenario): string {
  const variables: TemplateVariable[] = variablesOf(dashboard).map((v) => {
    const selected = scenario.selections?.[v.name];
    return {
      name: v.name,
      multi: v.multi === true,
      includeAll: v.includeAll === true,
      ...(v.allValue === undefined ? {} : { allValue: v.allValue }),
      // A multi-value variable hands Grafana a list, even for one selected value.
      current:
        selected === undefined
          ? 'ALL'
          : v.multi === true && !Array.isArray(selected)
            ? [selected]
            : selected,
    };
  });
  const frontend = interpolateTemplateVariables(rawSql, variables, {
    __interval: formatGrafanaInterval(scenario.intervalMs),
    __interval_ms: scenario.intervalMs,
  });
  return expandBackendMacros(frontend, {
    from: scenario.from,
    to: scenario.to,
    intervalMs: scenario.intervalMs,
  });
}

export type Cell = string | number | null;

export interface QueryResult {
  columns: string[];
  rows: Cell[][];
}

// PostgreSQL type OIDs Grafana's SQL backend treats as numbers and times.
const NUMERIC_TYPES = new Set([20, 21, 23, 700, 701, 1700]);
const TIME_TYPES = new Set([1082, 1114, 1184]);

/** sqleng's epochPrecisionToMS: seconds (e+09) and nanoseconds (e+18) become milliseconds. */
function epochToMs(value: number): number {
  const exp = value.toExponential().split('e')[1];
  if (exp === '+9') return value * 1000;
  if (exp === '+18') return value / 1e6;
  return value;
}

/**
 * Runs an expanded query and returns its rows as Grafana's SQL backend would hold them: numbers
 * as numbers, times as ISO strings. In time_series format a numeric "time" column (what
 * $__timeGroupAlias yields) is converted to a time, as Grafana does; the format also requires
 * that column, and long data (a "metric" column) must come sorted by time.
 */
export async function runQuery(
  client: pg.Client,
  sql: string,
  format: 'time_series' | 'table',
): Promise<QueryResult> {
  const res = await client.query({ text: sql, rowMode: 'array' });
  const columns = res.fields.map((f) => f.name);
  const timeIndex = columns.indexOf('time');
  if (format === 'time_series' && timeIndex === -1) {
    throw new Error('time_series query has no "time" column');
  }
  const rows = (res.rows as unknown[][]).map((row) =>
    row.map((value, i): Cell => {
      const typeId = res.fields[i]?.dataTypeID ?? 0;
      if (value === null || value === undefined) return null;
      if (TIME_TYPES.has(typeId) && value instanceof Date) return value.toISOString();
      if (NUMERIC_TYPES.has(typeId)) {
        const n = Number(value);
        return i === timeIndex ? new Date(epochToMs(n)).toISOString() : n;
      }
      return String(value);
    }),
  );
  if (format === 'time_series' && timeIndex >= 0) {
    const times = rows.map((r) => String(r[timeIndex]));
    const sorted = [...times].sort();
    if (times.join() !== sorted.join()) throw new Error('time_series rows are not sorted by time');
  }
  return { columns, rows };
}
