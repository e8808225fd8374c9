import {
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { POSTGRES_DATASOURCE } from './datasource.js';
import { domainsOfRange, EDGE_HOURS, LONG_RANGE, wholeHours } from './rollup-ranges.js';
import { type FilterVariable, matchesVariable, startedInRange } from './sql-filters.js';
import { indentTail, sql } from './sql-text.js';

export const DEVICE_FILTER: FilterVariable = {
  name: 'device',
  column: 'device_id',
  allValue: "'00000000-0000-0000-0000-000000000000'",
};

export const DOMAIN_FILTER: FilterVariable = {
  name: 'domain',
  column: 'domain',
  allValue: "'__all'",
};

export const BROWSER_FILTER: FilterVariable = {
  name: 'browser',
  column: 'browser_name',
  allValue: "'__all'",
};

/**
 * The Cohort variable (every dashboard): a visit's cohort is its device's (devices.cohort_id,
 * set by the enrolment code it registered with); devices without one are in NO_COHORT, which
 * no cohort can be named (cohort names start with a letter or digit).
 */
export const COHORT_VARIABLE = 'cohort';
export const NO_COHORT = '(none)';
const COHORT_ALL = "'__all'";
const COHORT_VALUES = `\${${COHORT_VARIABLE}:sqlstring}`;

/** A device's cohort name, NO_COHORT for none; `d` the devices alias, `c` the cohorts one. */
export function cohortName(c: string): string {
  return `coalesce(${c}.name, '${NO_COHORT}')`;
}

/** The device (alias `d`, LEFT JOINed to cohorts as `c`) is in a chosen cohort, or All. */
export function cohortChosen(c: string): string {
  return `(${COHORT_ALL} IN (${COHORT_VALUES}) OR ${cohortName(c)} IN (${COHORT_VALUES}))`;
}

/**
 * Visits (device_id) of devices in the chosen cohorts. With All this folds to true when
 * PostgreSQL plans the query (as matchesVariable), so the subquery is not even run.
 */
export function cohortFilter(): string {
  return `(${COHORT_ALL} IN (${COHORT_VALUES}) OR device_id IN (SELECT cd.id FROM devices cd LEFT JOIN cohorts cc ON cc.id = cd.cohort_id WHERE ${cohortName('cc')} IN (${COHORT_VALUES})))`;
}

/** The variables every activity dashboard offers, in the order they appear. */
export const ACTIVITY_FILTERS: readonly FilterVariable[] = [
  DEVICE_FILTER,
  DOMAIN_FILTER,
  BROWSER_FILTER,
];

/** Time range plus every activity variable: the WHERE clause of activity panels. */
export function activityFilter(): string {
  return [startedInRange(), cohortFilter(), ...ACTIVITY_FILTERS.map(matchesVariable)].join(
    '\nAND ',
  );
}

/** Same, indented for splicing into a query at `spaces` columns. */
export function activityWhere(spaces: number): string {
  return indentTail(activityFilter(), spaces);
}

/**
 * How a device is named: its label if the person gave one, else browser and OS, plus the start
 * of its id so that two alike devices stay apart. `alias` qualifies the devices columns.
 */
export function deviceLabel(alias: string): string {
  const col = (name: string): string => (alias === '' ? name : `${alias}.${name}`);
  return `coalesce(${col('label')}, ${col('browser_name')} || ' on ' || ${col('os')}) || ' (' || left(${col('id')}::text, 8) || ')'`;
}

/** The SQL behind each variable's choices; exported so the tests run them too. */
export const VARIABLE_QUERIES: Readonly<Record<string, string>> = {
  cohort: sql`
    SELECT cohort
    FROM (SELECT name AS cohort FROM cohorts UNION ALL SELECT '${NO_COHORT}') AS named
    ORDER BY cohort = '${NO_COHORT}' DESC, cohort
  `,
  // devices is small (one row per install) and grafana_reader may read these columns. Only
  // the devices of the chosen cohorts are offered.
  device: sql`
    SELECT ${deviceLabel('d')} AS __text,
           d.id::text AS __value
    FROM devices d
    LEFT JOIN cohorts c ON c.id = d.cohort_id
    WHERE ${cohortChosen('c')}
    ORDER BY 1
  `,
  // Domains seen in the range, busiest first: the list stays relevant and bounded.
  // Over ranges of a day or more from the domains' days (rollup-sources.ts).
  domain: sql`
    SELECT domain
    FROM ${domainsOfRange(2)}
    GROUP BY domain
    ORDER BY sum(active_ms) DESC, domain
    LIMIT 500
  `,
  browser: sql`
    SELECT DISTINCT browser_name
    FROM (
      SELECT browser_name
      FROM visits
      WHERE NOT ${LONG_RANGE}
        AND ${indentTail(startedInRange(), 4)}
      UNION ALL
      SELECT browser_name
      FROM visits
      WHERE ${LONG_RANGE}
        AND ${indentTail(EDGE_HOURS, 4)}
      UNION ALL
      SELECT browser_name
      FROM visit_device_hours
      WHERE ${LONG_RANGE}
        AND ${wholeHours()}
    ) AS b
    WHERE browser_name IS NOT NULL
    ORDER BY 1
  `,
};

/** The Cohort picker of the admin's dashboards (multi-select, All). */
export function cohortVariable(): QueryVariableBuilder {
  return filterVariable(
    { name: COHORT_VARIABLE, column: 'cohort', allValue: COHORT_ALL },
    'Cohort',
    VariableRefresh.OnDashboardLoad,
  );
}

function filterVariable(
  v: FilterVariable,
  label: string,
  refresh: VariableRefresh,
): QueryVariableBuilder {
  const query = VARIABLE_QUERIES[v.name];
  if (query === undefined) throw new Error(`no query for variable ${v.name}`);
  return new QueryVariableBuilder(v.name)
    .label(label)
    .datasource(POSTGRES_DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(refresh)
    .sort(VariableSort.Disabled)
    .multi(true)
    .includeAll(true)
    .allValue(v.allValue)
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}

/** The cohort, device, domain and browser pickers, all defaulting to All. */
export function activityVariables(): QueryVariableBuilder[] {
  return [
    cohortVariable(),
    filterVariable(DEVICE_FILTER, 'Device', VariableRefresh.OnDashboardLoad),
    filterVariable(DOMAIN_FILTER, 'Domain', VariableRefresh.OnTimeRangeChanged),
    filterVariable(BROWSER_FILTER, 'Browser', VariableRefresh.OnTimeRangeChanged),
  ];
}
