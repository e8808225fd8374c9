import type { Dashboard } from '@grafana/schema';
import { readsRollup } from '../activity-source.js';
import { baseDashboard } from '../dashboard-base.js';
import { deviceSynced, receivedByDevice } from '../device-receipt-source.js';
import { tablePanel, timeSeriesPanel } from '../panels.js';
import { EDGE_HOURS, wholeHours } from '../rollup-ranges.js';
import { asSchemaDashboard } from '../schema-dashboard.js';
import { startedInRange } from '../sql-filters.js';
import { indentTail, sql } from '../sql-text.js';
import {
  cohortChosen,
  cohortFilter,
  cohortName,
  cohortVariable,
  deviceLabel,
} from '../variables.js';

/** device_pipeline_days rows of the UTC days the dashboard range touches. */
const PIPELINE_DAYS_IN_RANGE = 'day BETWEEN $__timeFrom()::date AND $__timeTo()::date';

/**
 * Device management for the admin: how many devices each cohort has and how many synced, and per
 * device its cohort, revocation, last sync, visits, and what the pipeline refused
 * of it (rejected events, dead letters: device_pipeline_days, which the API and the consumer
 * keep per device and UTC day). Revoke or erase with `npm run admin -- devices revoke|erase`.
 */
export function devicesDashboard(): Dashboard {
  const builder = baseDashboard({
    uid: 'tracksphere-devices',
    title: 'Tracksphere / Devices',
    description:
      'Devices per cohort, last sync, visits per day, rejected events and dead letters per device.',
    from: 'now-7d',
    refresh: '',
  })
    .variables([cohortVariable()])
    .withPanel(
      tablePanel(
        {
          title: 'Devices per cohort',
          description:
            'Registered devices of each cohort, those revoked (npm run admin -- devices ' +
            'revoke), and those that synced visits in the range (by server receive time).',
        },
        // Synced: per device, whether it has a visit received in the range, stopping at the
        // first (device-receipt-source.ts).
        sql`
          SELECT ${cohortName('c')} AS cohort,
                 count(*) AS devices,
                 count(*) FILTER (WHERE d.revoked_at IS NOT NULL) AS revoked,
                 count(*) FILTER (WHERE d.synced) AS synced
          FROM (
            SELECT dd.cohort_id, dd.revoked_at,
                   ${indentTail(deviceSynced('dd.id'), 9)} AS synced
            FROM devices dd
          ) AS d
          LEFT JOIN cohorts c ON c.id = d.cohort_id
          WHERE ${cohortChosen('c')}
          GROUP BY 1
          ORDER BY 1
        `,
        { w: 8, h: 8 },
      ),
    )
    .withPanel(
      timeSeriesPanel(
        {
          title: 'Visits per day, by cohort',
          description:
            'Visits per UTC day by when they happened (device clock corrected; over ranges ' +
            'of a day or more by the device clock, from the hourly rollup), one series per cohort.',
        },
        sql`
          SELECT $__timeGroupAlias(t, '1d'),
                 ${cohortName('c')} AS metric,
                 sum(v.visits)::bigint AS visits
          FROM (
            SELECT started_at_corrected AS t, device_id, 1::bigint AS visits
            FROM visits
            WHERE NOT ${readsRollup(false)}
              AND ${indentTail(startedInRange(), 6)}
            UNION ALL
            SELECT started_at_corrected AS t, device_id, 1::bigint AS visits
            FROM visits
            WHERE ${readsRollup(false)}
              AND ${indentTail(EDGE_HOURS, 6)}
            UNION ALL
            SELECT hour AS t, device_id, visits
            FROM visit_device_hours
            WHERE ${readsRollup(false)}
              AND ${wholeHours()}
          ) AS v
          JOIN devices d ON d.id = v.device_id
          LEFT JOIN cohorts c ON c.id = d.cohort_id
          WHERE ${cohortChosen('c')}
          GROUP BY 1, 2
          ORDER BY 1, 2
        `,
        'short',
        'bars',
        { w: 16, h: 8 },
      ),
    )
    .withPanel(
      tablePanel(
        {
          title: 'Devices',
          description:
            'Every device of the chosen cohorts, registered ones that never synced included. ' +
            'Last sync and visits: received by the server ' +
            'in the range (over a day or more, the whole hours from hourly counts per device); ' +
            'per day: over the days of the range. Rejected: events the API ' +
            'refused as invalid; dead letters: records the consumer could not store (both on ' +
            'the UTC days the range touches). Revoked devices can no longer send.',
        },
        sql`
          SELECT ${deviceLabel('d')} AS device,
                 ${cohortName('c')} AS cohort,
                 d.revoked_at AS revoked,
                 r.last_sync,
                 coalesce(r.visits, 0) AS visits,
                 round(coalesce(r.visits, 0) * 86400.0 / ($__unixEpochTo() - $__unixEpochFrom()), 1) AS visits_per_day,
                 coalesce(p.rejected, 0) AS rejected,
                 coalesce(p.dead_lettered, 0) AS dead_lettered
          FROM devices d
          LEFT JOIN cohorts c ON c.id = d.cohort_id
          LEFT JOIN (
            SELECT device_id, max(last_received) AS last_sync, sum(visits)::bigint AS visits
            FROM ${receivedByDevice(2)}
            GROUP BY device_id
          ) AS r ON r.device_id = d.id
          LEFT JOIN (
            SELECT device_id, sum(rejected) AS rejected, sum(dead_lettered) AS dead_lettered
            FROM device_pipeline_days
            WHERE ${PIPELINE_DAYS_IN_RANGE}
            GROUP BY device_id
          ) AS p ON p.device_id = d.id
          WHERE ${cohortChosen('c')}
          ORDER BY cohort, device
        `,
        { w: 24, h: 10 },
      ),
    )
    .withPanel(
      timeSeriesPanel(
        {
          title: 'Rejected events and dead letters per day',
          description:
            'Per UTC day, over the devices of the chosen cohorts: events the API rejected and ' +
            'records the consumer dead-lettered. Which code or cause: Pipeline health.',
        },
        sql`
          SELECT day::timestamp AT TIME ZONE 'UTC' AS "time",
                 sum(rejected) AS rejected,
                 sum(dead_lettered) AS dead_lettered
          FROM device_pipeline_days
          WHERE ${PIPELINE_DAYS_IN_RANGE}
            AND ${cohortFilter()}
          GROUP BY 1
          ORDER BY 1
        `,
        'short',
        'bars',
        { w: 24, h: 8 },
      ),
    );
  return asSchemaDashboard(builder.build());
}
