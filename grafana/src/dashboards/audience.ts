import type { Dashboard } from '@grafana/schema';
import { baseDashboard } from '../dashboard-base.js';
import { pieChartPanel, tablePanel } from '../panels.js';
import { deviceSource } from '../rollup-sources.js';
import { asSchemaDashboard } from '../schema-dashboard.js';
import { sql } from '../sql-text.js';
import { activityVariables } from '../variables.js';

/**
 * Who is tracked with what: browsers, versions, operating systems and device types, as parsed
 * from the User-Agent at ingest and stored on each visit (so an upgrade shows from that day on).
 * Shares are of devices, the unit of an audience; a device counts once per slice it falls in.
 */
export function audienceDashboard(): Dashboard {
  const builder = baseDashboard({
    uid: 'tracksphere-audience',
    title: 'Tracksphere / Audience',
    description: 'Browser, browser version, operating system and device type of active devices.',
    from: 'now-30d',
    refresh: '',
  })
    .variables(activityVariables())
    .withPanel(
      pieChartPanel(
        { title: 'Browsers', description: 'Active devices by browser.' },
        sql`
          SELECT coalesce(browser_name, 'Unknown') AS browser,
                 count(DISTINCT device_id) AS devices
          FROM ${deviceSource(0)}
          GROUP BY 1
          ORDER BY devices DESC, browser
        `,
        'devices',
        { w: 12, h: 9 },
      ),
    )
    .withPanel(
      tablePanel(
        {
          title: 'Browser versions',
          description: 'Active devices, visits and active time by browser and major version.',
        },
        sql`
          SELECT coalesce(browser_name, 'Unknown') AS browser,
                 coalesce(browser_major, '?') AS major_version,
                 count(DISTINCT device_id) AS devices,
                 sum(visits)::bigint AS visits,
                 sum(active_ms) AS active_ms
          FROM ${deviceSource(0)}
          GROUP BY 1, 2
          ORDER BY devices DESC, browser, major_version
          LIMIT 30
        `,
        { w: 12, h: 9 },
      ),
    )
    .withPanel(
      pieChartPanel(
        { title: 'Operating systems', description: 'Active devices by operating system.' },
        sql`
          SELECT coalesce(os_name, 'Unknown') AS os,
                 count(DISTINCT device_id) AS devices
          FROM ${deviceSource(0)}
          GROUP BY 1
          ORDER BY devices DESC, os
        `,
        'devices',
        { w: 12, h: 9 },
      ),
    )
    .withPanel(
      pieChartPanel(
        {
          title: 'Device types',
          description: 'Active devices by type (desktop when the User-Agent names none).',
        },
        sql`
          SELECT coalesce(device_type, 'Unknown') AS device_type,
                 count(DISTINCT device_id) AS devices
          FROM ${deviceSource(0)}
          GROUP BY 1
          ORDER BY devices DESC, device_type
        `,
        'devices',
        { w: 12, h: 9 },
      ),
    );
  return asSchemaDashboard(builder.build());
}
