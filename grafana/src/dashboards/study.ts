import {
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dashboard } from '@grafana/schema';
import { baseDashboard } from '../dashboard-base.js';
import { POSTGRES_DATASOURCE, STUDY_DATASOURCE } from '../datasource.js';
import { markdownPanel, tablePanel, timeSeriesPanel } from '../panels.js';
import { asSchemaDashboard } from '../schema-dashboard.js';
import { matchesVariable } from '../sql-filters.js';
import { sql } from '../sql-text.js';
import { COHORT_VARIABLE } from '../variables.js';

/** The tag of the Study set: its link menu lists only Study dashboards. */
export const STUDY_TAG = 'tracksphere-study';

/** The first and last UTC day that the range touches: the views are per UTC day, and a day
 * counts whole as soon as the range touches it. */
const RANGE_DAYS =
  "($__timeFrom()::timestamptz AT TIME ZONE 'UTC')::date, ($__timeTo()::timestamptz AT TIME ZONE 'UTC')::date";

/**
 * The rows of study_daily or study_domains for the range's days, through study_daily_in and
 * study_domains_in (migration study-day-cache): each day's groups as kept, made on the spot
 * for days whose visits changed since (today, while visits arrive).
 */
function studyRows(view: 'study_daily' | 'study_domains'): string {
  return `${view}_in(${RANGE_DAYS}) AS ${view}`;
}

/** The chosen cohorts. */
const STUDY_WHERE = matchesVariable({
  name: COHORT_VARIABLE,
  column: 'cohort',
  allValue: "'__all'",
});

const COHORT_QUERY = sql`
  SELECT cohort
  FROM study_cohort_names
  ORDER BY 1
`;

const ABOUT = `
**Aggregates only.** Every figure here is a sum of groups of at least MIN_GROUP_DEVICES devices
(5 unless the operator set another number): per UTC day and cohort, and per day, cohort and site.
A day or a cohort with fewer devices shows nothing; a site fewer devices visited that day counts
under **(other sites)**, which itself shows only when it holds enough devices. So totals here can
be lower than the admin's dashboards, and "device-days" add up each day's devices (a device
active on three days counts three times).

This dashboard reads through its own datasource, whose database role may read these aggregate
views and nothing else: no visits, no devices, no addresses or titles.
`.trim();

/** Rewrites every reference to the admin's datasource into the Study one. */
function onStudyDatasource<T>(value: T): T {
  if (Array.isArray(value)) return value.map(onStudyDatasource) as T;
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if (o.uid === POSTGRES_DATASOURCE.uid && o.type === POSTGRES_DATASOURCE.type) {
    return { ...STUDY_DATASOURCE } as T;
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, onStudyDatasource(v)])) as T;
}

function studyCohortVariable(): QueryVariableBuilder {
  return new QueryVariableBuilder(COHORT_VARIABLE)
    .label('Cohort')
    .datasource(STUDY_DATASOURCE)
    .query(COHORT_QUERY)
    .definition(COHORT_QUERY)
    .refresh(VariableRefresh.OnDashboardLoad)
    .sort(VariableSort.Disabled)
    .multi(true)
    .includeAll(true)
    .allValue("'__all'")
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}

function perDay(column: string, as: string, from: string): string {
  return sql`
    SELECT day AS "time",
           sum(${column}) AS ${as}
    FROM ${from}
    WHERE ${STUDY_WHERE}
    GROUP BY 1
    ORDER BY 1
  `;
}

/**
 * For people who should see only aggregates (the Study folder): devices, visits, active time
 * and sites per day, from the study_* views, through the Study datasource.
 */
export function studyDashboard(): Dashboard {
  const builder = baseDashboard({
    uid: 'tracksphere-study',
    title: 'Tracksphere / Study overview',
    description: `Aggregates of groups of at least MIN_GROUP_DEVICES devices, per UTC day.`,
    from: 'now-30d',
    refresh: '',
    tag: STUDY_TAG,
  })
    .variables([studyCohortVariable()])
    .withPanel(
      timeSeriesPanel(
        {
          title: 'Active devices per day',
          description: 'Devices with a visit that day, in groups (day, cohort) of enough devices.',
        },
        perDay('devices', 'devices', studyRows('study_daily')),
        'short',
        'bars',
        { w: 8, h: 8 },
      ),
    )
    .withPanel(
      timeSeriesPanel(
        { title: 'Visits per day', description: 'Visits of the groups shown.' },
        perDay('visits', 'visits', studyRows('study_daily')),
        'short',
        'bars',
        { w: 8, h: 8 },
      ),
    )
    .withPanel(
      timeSeriesPanel(
        { title: 'Active time per day', description: 'Active time of the groups shown.' },
        perDay('active_ms', 'active_ms', studyRows('study_daily')),
        'ms',
        'bars',
        { w: 8, h: 8 },
      ),
    )
    .withPanel(
      tablePanel(
        {
          title: 'Sites',
          description:
            'Active time by site over the days in the range; sites fewer devices visited are (other sites).',
        },
        sql`
          SELECT domain,
                 sum(devices) AS device_days,
                 sum(visits) AS visits,
                 sum(active_ms) AS active_ms
          FROM ${studyRows('study_domains')}
          WHERE ${STUDY_WHERE}
          GROUP BY domain
          ORDER BY active_ms DESC, domain
          LIMIT 50
        `,
        { w: 12, h: 10 },
      ),
    )
    .withPanel(
      tablePanel(
        { title: 'Cohorts', description: 'Device-days, visits and active time per cohort.' },
        sql`
          SELECT cohort,
                 sum(devices) AS device_days,
                 sum(visits) AS visits,
                 sum(active_ms) AS active_ms
          FROM ${studyRows('study_daily')}
          WHERE ${STUDY_WHERE}
          GROUP BY cohort
          ORDER BY cohort
        `,
        { w: 12, h: 10 },
      ),
    )
    .withPanel(markdownPanel('What this dashboard shows', ABOUT, { w: 24, h: 6 }));
  return onStudyDatasource(asSchemaDashboard(builder.build()));
}
