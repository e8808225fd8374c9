import type { Dashboard } from '@grafana/schema';
import { baseDashboard } from '../dashboard-base.js';
import { barChartPanel, tablePanel, timeSeriesPanel } from '../panels.js';
import { domainSeries, domainSource } from '../rollup-sources.js';
import { asSchemaDashboard } from '../schema-dashboard.js';
import { sql } from '../sql-text.js';
import { TOP_PAGES, topPagesSql } from '../top-pages.js';
import { activityVariables } from '../variables.js';

/** How many domains the trend panel draws: more lines than this are unreadable. */
export const TREND_DOMAINS = 8;

/** Where the time goes: domains and pages, and how the busiest domains trend. */
export function sitesDashboard(): Dashboard {
  const builder = baseDashboard({
    uid: 'tracksphere-sites',
    title: 'Tracksphere / Sites',
    description: 'Top domains and pages by active time and visits; trend of chosen domains.',
    from: 'now-7d',
    refresh: '',
  })
    .variables(activityVariables())
    .withPanel(
      barChartPanel(
        {
          title: 'Top domains by active time',
          description: 'The 15 domains with the most active time in the range.',
        },
        sql`
          SELECT domain,
                 sum(active_ms) AS active_ms
          FROM ${domainSource(0)}
          GROUP BY domain
          ORDER BY active_ms DESC, domain
          LIMIT 15
        `,
        'domain',
        'ms',
        { w: 12, h: 10 },
      ),
    )
    .withPanel(
      barChartPanel(
        {
          title: 'Top domains by visits',
          description: 'The 15 domains with the most visits in the range.',
        },
        sql`
          SELECT domain,
                 sum(visits)::bigint AS visits
          FROM ${domainSource(0)}
          GROUP BY domain
          ORDER BY visits DESC, domain
          LIMIT 15
        `,
        'domain',
        'short',
        { w: 12, h: 10 },
      ),
    )
    .withPanel(
      timeSeriesPanel(
        {
          title: 'Active time of the chosen domains',
          description:
            `Active time per bucket for the domains picked in the Domain variable ` +
            `(with All: the ${TREND_DOMAINS} busiest in the range), one line each.`,
        },
        sql`
          WITH top_domains AS (
            SELECT domain
            FROM ${domainSource(2)}
            GROUP BY domain
            ORDER BY sum(active_ms) DESC, domain
            LIMIT ${TREND_DOMAINS}
          )
          SELECT $__timeGroupAlias(t, $__interval),
                 domain AS metric,
                 sum(active_ms) AS active_ms
          FROM ${domainSeries(0, 'SELECT domain FROM top_domains')}
          GROUP BY 1, 2
          ORDER BY 1, 2
        `,
        'ms',
        'lines',
        { w: 24, h: 9 },
      ),
    )
    .withPanel(
      tablePanel(
        {
          title: 'Top pages',
          description:
            `The ${TOP_PAGES} pages (URLs) with the most active time. Visits recorded at the ` +
            '"domain" privacy level have no URL and are left out here; they count on the domain ' +
            'panels. Over ranges of a day or more with Device, Browser and Cohort on All, by the ' +
            'device clock, from daily sums per page.',
        },
        topPagesSql(),
        { w: 24, h: 12 },
      ),
    );
  return asSchemaDashboard(builder.build());
}
