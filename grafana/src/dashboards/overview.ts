import type { Dashboard } from '@grafana/schema';
import { baseDashboard } from '../dashboard-base.js';
import { statPanel, timeSeriesPanel } from '../panels.js';
import { deviceActivitySource, domainSource } from '../rollup-sources.js';
import { asSchemaDashboard } from '../schema-dashboard.js';
import { sql } from '../sql-text.js';
import { activityVariables } from '../variables.js';

/** Totals for the range and how visits, active time and devices are spread over it. */
export function overviewDashboard(): Dashboard {
  const builder = baseDashboard({
    uid: 'tracksphere-overview',
    title: 'Tracksphere / Overview',
    description: 'Visits, active time and devices over the selected range.',
    from: 'now-7d',
    refresh: '5m',
  })
    .variables(activityVariables())
    .withPanel(
      statPanel(
        { title: 'Visits', description: 'Pages shown in a tab that started in the range.' },
        sql`
          SELECT coalesce(sum(visits), 0)::bigint AS visits
          FROM ${deviceActivitySource(0)}
        `,
        'short',
      ),
    )
    .withPanel(
      statPanel(
        {
          title: 'Active time',
          description:
            'Time people actually spent: tab focused and not idle, or media playing in it.',
        },
        sql`
          SELECT coalesce(sum(active_ms), 0) AS active_ms
          FROM ${deviceActivitySource(0)}
        `,
        'ms',
      ),
    )
    .withPanel(
      statPanel(
        { title: 'Active devices', description: 'Extension installs with a visit in the range.' },
        sql`
          SELECT count(DISTINCT device_id) AS devices
          FROM ${deviceActivitySource(0)}
        `,
        'short',
      ),
    )
    .withPanel(
      statPanel(
        { title: 'Domains', description: 'Distinct domains visited in the range.' },
        sql`
          SELECT count(DISTINCT domain) AS domains
          FROM ${domainSource(0)}
        `,
        'short',
      ),
    )
    .withPanel(
      timeSeriesPanel(
        {
          title: 'Visits over time',
          description: 'Visits per bucket, by the start time corrected for device clock skew.',
        },
        sql`
          SELECT $__timeGroupAlias(t, $__interval),
                 sum(visits)::bigint AS visits
          FROM ${deviceActivitySource(0)}
          GROUP BY 1
          ORDER BY 1
        `,
        'short',
        'bars',
        { w: 12, h: 8 },
      ),
    )
    .withPanel(
      timeSeriesPanel(
        {
          title: 'Active time over time',
          description: 'Active time of the visits that started in each bucket.',
        },
        sql`
          SELECT $__timeGroupAlias(t, $__interval),
                 sum(active_ms) AS active_ms
          FROM ${deviceActivitySource(0)}
          GROUP BY 1
          ORDER BY 1
        `,
        'ms',
        'bars',
        { w: 12, h: 8 },
      ),
    )
    .withPanel(
      timeSeriesPanel(
        {
          title: 'Active devices over time',
          description: 'Devices with at least one visit starting in each bucket.',
        },
        sql`
          SELECT $__timeGroupAlias(t, $__interval),
                 count(DISTINCT device_id) AS devices
          FROM ${deviceActivitySource(0)}
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
