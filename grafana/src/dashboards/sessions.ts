import type { Dashboard } from '@grafana/schema';
import { readsRollup } from '../activity-source.js';
import { baseDashboard } from '../dashboard-base.js';
import { barChartPanel, sessionTimelinePanel, statPanel } from '../panels.js';
import { asSchemaDashboard } from '../schema-dashboard.js';
import { matchesVariable, SKEW_TOLERANCE_S } from '../sql-filters.js';
import { indentTail, sql } from '../sql-text.js';
import {
  activityVariables,
  activityWhere,
  cohortFilter,
  DEVICE_FILTER,
  DOMAIN_FILTER,
  deviceLabel,
} from '../variables.js';

/** visit_sessions answers: a range of a day or more, Domain and Browser on All (constants). */
const FROM_SESSIONS = `${readsRollup()} AND ${DOMAIN_FILTER.allValue} IN (\${${DOMAIN_FILTER.name}:sqlstring})`;

/**
 * One row per session (a run of visits with gaps under 30 minutes, numbered by the extension):
 * from its first visit's start to its last visit's end, corrected for clock skew. Under a day
 * (or with a Domain or Browser chosen) from the visits that started in the range, so a
 * session crossing the range edge is cut there; over a day or more from visit_sessions (one row
 * per session, kept by the writer), where a session with a visit starting in the range (its
 * first or its last start is: the gaps are shorter than any such range) counts whole, unless
 * its device clock was off by more than SKEW_TOLERANCE_S (as activity panels leave those out).
 */
function sessionsQuery(): string {
  return sql`
    SELECT device_id,
           session_id,
           min(started_at_corrected) AS started,
           max(ended_at_corrected) AS ended,
           count(*) AS visits
    FROM visits
    WHERE NOT (${FROM_SESSIONS})
      AND ${activityWhere(4)}
    GROUP BY device_id, session_id
    UNION ALL
    SELECT device_id, session_id, started, ended, visits
    FROM visit_sessions
    WHERE ${FROM_SESSIONS}
      AND ($__timeFilter(started) OR $__timeFilter(last_start))
      AND last_raw >= to_timestamp($__unixEpochFrom() - ${SKEW_TOLERANCE_S})
      AND first_raw <= to_timestamp($__unixEpochTo() + ${SKEW_TOLERANCE_S})
      AND ${cohortFilter()}
      AND ${matchesVariable(DEVICE_FILTER)}
  `;
}

/** The timeline draws this many devices at most, those with the most sessions in the range. */
export const TIMELINE_DEVICES = 25;

/** Session lengths in minutes, bucketed for the distribution panel (upper bound exclusive). */
const LENGTH_BUCKETS: ReadonlyArray<{ label: string; fromMin: number; toMin: number | null }> = [
  { label: '< 1 min', fromMin: 0, toMin: 1 },
  { label: '1-5 min', fromMin: 1, toMin: 5 },
  { label: '5-15 min', fromMin: 5, toMin: 15 },
  { label: '15-30 min', fromMin: 15, toMin: 30 },
  { label: '30-60 min', fromMin: 30, toMin: 60 },
  { label: '1-2 h', fromMin: 60, toMin: 120 },
  { label: '2-4 h', fromMin: 120, toMin: 240 },
  { label: '>= 4 h', fromMin: 240, toMin: null },
];

function lengthBucketsValues(): string {
  return LENGTH_BUCKETS.map((b, i) => `(${i + 1}, '${b.label}')`).join(',\n');
}

/**
 * Each session's bucket number from its length `m` in minutes (double precision: extract()
 * gives numeric, whose division and comparisons took most of the panel's time over 90 days), in
 * one pass; the sessions are counted per bucket before the join to the buckets' labels;
 * negative lengths fall in none.
 */
function lengthBucketCase(): string {
  return [
    'WHEN m < 0 THEN NULL',
    ...LENGTH_BUCKETS.map((b, i) =>
      b.toMin === null ? `ELSE ${i + 1}` : `WHEN m < ${b.toMin} THEN ${i + 1}`,
    ),
  ].join('\n');
}

export function sessionsDashboard(): Dashboard {
  const builder = baseDashboard({
    uid: 'tracksphere-sessions',
    title: 'Tracksphere / Sessions',
    description: 'When each device was in a session, and how long sessions last.',
    from: 'now-24h',
    refresh: '',
  })
    .variables(activityVariables())
    .withPanel(
      statPanel(
        { title: 'Sessions', description: 'Sessions with a visit starting in the range.' },
        sql`
          SELECT count(*) AS sessions
          FROM (
            ${indentTail(sessionsQuery(), 2)}
          ) AS sessions
        `,
        'short',
        { w: 8, h: 4 },
      ),
    )
    .withPanel(
      statPanel(
        {
          title: 'Median session length',
          description: 'From the first visit start to the last visit end of a session.',
        },
        sql`
          SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ended - started)) AS median_length_s
          FROM (
            ${indentTail(sessionsQuery(), 2)}
          ) AS sessions
        `,
        's',
        { w: 8, h: 4 },
      ),
    )
    .withPanel(
      statPanel(
        { title: 'Visits per session', description: 'Average number of pages per session.' },
        sql`
          SELECT round(avg(visits), 2) AS visits_per_session
          FROM (
            ${indentTail(sessionsQuery(), 2)}
          ) AS sessions
        `,
        'short',
        { w: 8, h: 4 },
      ),
    )
    .withPanel(
      // Each session start is +1 and each end -1 for its device; the running sum per device is
      // the number of open sessions, so overlapping sessions stay one continuous stretch.
      sessionTimelinePanel(
        {
          title: 'Session timeline per device',
          description:
            `Green while a device is in a session (corrected clock); the ${TIMELINE_DEVICES} ` +
            'devices with the most sessions in the range (pick others with the Device variable).',
        },
        sql`
          WITH sessions AS (
            ${indentTail(sessionsQuery(), 2)}
          ),
          shown AS (
            SELECT device_id
            FROM sessions
            GROUP BY device_id
            ORDER BY count(*) DESC, device_id
            LIMIT ${TIMELINE_DEVICES}
          ),
          edges AS (
            SELECT device_id, started AS at, 1 AS delta FROM sessions
            WHERE device_id IN (SELECT device_id FROM shown)
            UNION ALL
            SELECT device_id, ended AS at, -1 AS delta FROM sessions
            WHERE device_id IN (SELECT device_id FROM shown)
          ),
          instants AS (
            SELECT device_id, at, sum(delta) AS delta
            FROM edges
            GROUP BY device_id, at
          )
          SELECT i.at AS "time",
                 ${deviceLabel('d')} AS metric,
                 CASE WHEN sum(i.delta) OVER (PARTITION BY i.device_id ORDER BY i.at) > 0 THEN 1 ELSE 0 END AS in_session
          FROM instants i
          JOIN devices d ON d.id = i.device_id
          ORDER BY 1, 2
        `,
        { w: 24, h: 10 },
      ),
    )
    .withPanel(
      barChartPanel(
        {
          title: 'Session length distribution',
          description: 'Sessions by length, from first visit start to last visit end.',
        },
        sql`
          WITH sessions AS (
            ${indentTail(sessionsQuery(), 2)}
          ),
          lengths AS (
            SELECT CASE ${indentTail(lengthBucketCase(), 14)}
                 END AS ord,
                   count(*) AS n
            FROM (SELECT date_part('epoch', ended - started) / 60 AS m FROM sessions) AS l
            GROUP BY 1
          ),
          buckets (ord, label) AS (
            VALUES ${indentTail(lengthBucketsValues(), 9)}
          )
          SELECT b.label AS session_length,
                 coalesce(max(l.n), 0) AS sessions
          FROM buckets b
          LEFT JOIN lengths l ON l.ord = b.ord
          GROUP BY b.ord, b.label
          ORDER BY b.ord
        `,
        'session_length',
        'short',
        { w: 24, h: 9 },
      ),
    );
  return asSchemaDashboard(builder.build());
}
