import type { Dashboard } from '@grafana/schema';
import { baseDashboard } from '../dashboard-base.js';
import { markdownPanel, statPanel, timeSeriesPanel } from '../panels.js';
import { asSchemaDashboard } from '../schema-dashboard.js';
import { LATE_ARRIVAL_WINDOW_S, receivedInRange, SKEW_TOLERANCE_S } from '../sql-filters.js';
import { indentTail, sql } from '../sql-text.js';
import { cohortFilter, cohortVariable } from '../variables.js';

function receivedWhere(spaces: number): string {
  return indentTail(`${receivedInRange()}\nAND ${cohortFilter()}`, spaces);
}

/** p50, p95 and max of `expression` (seconds) over the events received in each bucket. */
function percentilesOverTime(expression: string): string {
  return sql`
    SELECT $__timeGroupAlias(received_at, $__interval),
           percentile_disc(0.5) WITHIN GROUP (ORDER BY seconds) AS p50,
           percentile_disc(0.95) WITHIN GROUP (ORDER BY seconds) AS p95,
           max(seconds) AS max
    FROM (
      SELECT received_at,
             ${expression} AS seconds
      FROM visits
      WHERE ${receivedWhere(4)}
    ) AS received
    GROUP BY 1
    ORDER BY 1
  `;
}

/**
 * Rejected events never reach Kafka or PostgreSQL (the API names them in its response), and
 * dead letters go to the visits.v1.dlq topic: both exist only as Prometheus counters on the
 * processes' /metrics. The stack has no Prometheus, so this dashboard says where they are
 * instead of showing panels that could only ever say "datasource not found".
 */
const NOT_IN_POSTGRES = `
**Rejected events and dead letters are not in PostgreSQL.** An event the API rejects is named in
its HTTP response and never stored; a message the consumer cannot write goes to the Kafka topic
\`visits.v1.dlq\`. Both are counted by the processes themselves, on their Prometheus endpoints:

- \`tracksphere_events_rejected_total{code}\` on the ingest API's \`/metrics\`
- \`tracksphere_consumer_dead_letters_total\` on the consumer's \`/metrics\` (\`CONSUMER_PORT\`)

Add a Prometheus that scrapes those two endpoints, provision it as a datasource, and these become
panels here. What PostgreSQL does show: events arriving, how late the extension sends them
(ingest delay), how long the Kafka consumer takes to write them (consumer delay; it grows when the
consumer falls behind or waits for PostgreSQL), and device clock skew.

Events are counted by the time the server received them; those whose raw client start time lies
more than ${LATE_ARRIVAL_WINDOW_S / 86_400} days outside the range (a device offline that long) are not counted here.
`.trim();

/** Is data flowing, how late, and are device clocks sane: what PostgreSQL can tell. */
export function pipelineHealthDashboard(): Dashboard {
  const builder = baseDashboard({
    uid: 'tracksphere-pipeline',
    title: 'Tracksphere / Pipeline health',
    description: 'Events received, ingest and consumer delay, clock skew (by receive time).',
    from: 'now-6h',
    refresh: '1m',
  })
    .variables([cohortVariable()])
    .withPanel(
      statPanel(
        { title: 'Events received', description: 'Visits the server received in the range.' },
        sql`
          SELECT count(*) AS events
          FROM visits
          WHERE ${receivedWhere(2)}
        `,
        'short',
        { w: 8, h: 4 },
      ),
    )
    .withPanel(
      statPanel(
        {
          title: 'Last event received',
          description: 'When the newest visit in the range reached the server.',
        },
        sql`
          SELECT extract(epoch FROM max(received_at)) * 1000 AS last_received_ms
          FROM visits
          WHERE ${receivedWhere(2)}
        `,
        'dateTimeFromNow',
        { w: 8, h: 4 },
      ),
    )
    .withPanel(
      statPanel(
        {
          title: 'Visits from clocks off by more than a day',
          description:
            'Received in the range from a device whose clock was off by more than a day. ' +
            'Activity dashboards filter on the device clock within a day of the range, so ' +
            'they leave these visits out.',
        },
        sql`
          SELECT count(*) AS visits
          FROM visits
          WHERE ${receivedWhere(2)}
            AND abs(clock_skew_ms) > ${SKEW_TOLERANCE_S * 1000}
        `,
        'short',
        { w: 8, h: 4 },
      ),
    )
    .withPanel(
      timeSeriesPanel(
        {
          title: 'Events received per minute',
          description: 'Average per minute within each bucket, by server receive time.',
        },
        sql`
          SELECT $__timeGroupAlias(received_at, $__interval),
                 count(*) / ($__interval_ms / 60000.0) AS events_per_minute
          FROM visits
          WHERE ${receivedWhere(2)}
          GROUP BY 1
          ORDER BY 1
        `,
        'short',
        'bars',
        { w: 24, h: 8 },
      ),
    )
    .withPanel(
      timeSeriesPanel(
        {
          title: 'Ingest delay',
          description:
            'Server receive time minus the visit end (device clock corrected): how long the ' +
            'extension held the visit before it was synced.',
        },
        percentilesOverTime('extract(epoch FROM received_at - ended_at_corrected)'),
        's',
        'lines',
        { w: 12, h: 8 },
      ),
    )
    .withPanel(
      timeSeriesPanel(
        {
          title: 'Consumer delay',
          description:
            'Row write time minus server receive time: Kafka plus the consumer. Near zero ' +
            'in the embedded mode (no Kafka).',
        },
        percentilesOverTime('extract(epoch FROM written_at - received_at)'),
        's',
        'lines',
        { w: 12, h: 8 },
      ),
    )
    .withPanel(
      timeSeriesPanel(
        {
          title: 'Clock skew',
          description:
            'Server receive time minus the device send time, per event: positive when the ' +
            'device clock is behind.',
        },
        sql`
          SELECT $__timeGroupAlias(received_at, $__interval),
                 min(skew_s) AS min,
                 percentile_disc(0.5) WITHIN GROUP (ORDER BY skew_s) AS median,
                 max(skew_s) AS max
          FROM (
            SELECT received_at,
                   clock_skew_ms / 1000.0 AS skew_s
            FROM visits
            WHERE ${receivedWhere(4)}
          ) AS received
          GROUP BY 1
          ORDER BY 1
        `,
        's',
        'lines',
        { w: 12, h: 8 },
      ),
    )
    .withPanel(markdownPanel('Rejected events and dead letters', NOT_IN_POSTGRES, { w: 12, h: 8 }));
  return asSchemaDashboard(builder.build());
}
