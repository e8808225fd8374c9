import type { Dashboard } from '@grafana/schema';
import { baseDashboard } from '../dashboard-base.js';
import { LATE_RECEIPTS, receivedByDevice } from '../device-receipt-source.js';
import { promStatPanel, promTimeSeriesPanel, statPanel, timeSeriesPanel } from '../panels.js';
import {
  BUCKETED,
  LATE_EVENTS,
  quantile,
  receiptBuckets,
  receiptFigures,
} from '../receipt-source.js';
import { asSchemaDashboard } from '../schema-dashboard.js';
import { LATE_ARRIVAL_WINDOW_S, receivedInRange, SKEW_TOLERANCE_S } from '../sql-filters.js';
import { indentTail, sql } from '../sql-text.js';
import { cohortFilter, cohortVariable } from '../variables.js';

function receivedWhere(spaces: number): string {
  return indentTail(`${receivedInRange()}\nAND ${cohortFilter()}`, spaces);
}

/** p50, p95 and max of a measure (seconds) over the events received in each bucket. */
function percentilesOverTime(measure: 'ingest' | 'consumer'): string {
  return receiptFigures(measure, [
    ['p50', quantile(0.5)],
    ['p95', quantile(0.95)],
    ['max', 'receipt_bucket_seconds(max(bucket))'],
  ]);
}

/** Per minute, from a counter's rate over Grafana's $__rate_interval, summed by `by`. */
function perMinute(counter: string, by: string): string {
  return `60 * sum${by === '' ? '' : ` by (${by})`} (rate(${counter}[$__rate_interval]))`;
}

/** Is data flowing, how late, and are device clocks sane: what PostgreSQL can tell. */
export function pipelineHealthDashboard(): Dashboard {
  const builder = baseDashboard({
    uid: 'tracksphere-pipeline',
    title: 'Tracksphere / Pipeline health',
    description:
      'Events received, ingest and consumer delay, clock skew (PostgreSQL, by receive time); ' +
      'rejected events, dead letters, quota refusals, consumer lag, API errors and alerts (Prometheus).',
    from: 'now-6h',
    refresh: '1m',
  })
    .variables([cohortVariable()])
    .withPanel(
      statPanel(
        {
          title: 'Events received',
          description:
            'Visits the server received in the range, by receive time; those whose raw ' +
            `client start time lies more than ${LATE_ARRIVAL_WINDOW_S / 86_400} days outside ` +
            'the range (a device offline that long) are not counted here.' +
            LATE_RECEIPTS,
        },
        sql`
          SELECT coalesce(sum(visits), 0)::bigint AS events
          FROM ${receivedByDevice(0)}
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
          description: `Average per minute within each bucket, by server receive time.${LATE_EVENTS}`,
        },
        sql`
          SELECT $__timeGroupAlias(t, $__interval),
                 sum(n) / ($__interval_ms / 60000.0) AS events_per_minute
          FROM ${receiptBuckets(null, 0)}
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
            'extension held the visit before it was synced.' +
            BUCKETED +
            LATE_EVENTS,
        },
        percentilesOverTime('ingest'),
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
            'in the embedded mode (no Kafka).' +
            BUCKETED +
            LATE_EVENTS,
        },
        percentilesOverTime('consumer'),
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
            'device clock is behind.' +
            BUCKETED +
            LATE_EVENTS,
        },
        receiptFigures('skew', [
          ['min', 'receipt_bucket_seconds(min(bucket))'],
          ['median', quantile(0.5)],
          ['max', 'receipt_bucket_seconds(max(bucket))'],
        ]),
        's',
        'lines',
        { w: 12, h: 8 },
      ),
    )
    // From here on Prometheus: what never reaches PostgreSQL (rejected events are named in the
    // API's response and dropped, dead letters go to visits.v1.dlq) and the processes' state.
    // Prometheus has no cohort of a visit: these panels show all cohorts whatever $cohort says.
    .withPanel(
      promTimeSeriesPanel(
        {
          title: 'API server errors',
          description:
            'Share of API requests answered with a 5xx, by status: 503 when Kafka or ' +
            'PostgreSQL cannot take events (the extension keeps them and retries), 500 a bug. ' +
            'Alert TracksphereApi5xx above 5% for 5 minutes.',
        },
        [
          {
            expr:
              'sum by (status) (rate(tracksphere_http_requests_total{status=~"5.."}[$__rate_interval]))' +
              ' / ignoring (status) group_left sum(rate(tracksphere_http_requests_total[$__rate_interval]))',
            legend: '{{status}}',
          },
        ],
        'percentunit',
        { w: 12, h: 8 },
      ),
    )
    .withPanel(
      promTimeSeriesPanel(
        {
          title: 'Rejected events per minute',
          description:
            'Events the API rejected as invalid, by reject code: named in its response to the ' +
            'device and never stored, so not in PostgreSQL.',
        },
        [{ expr: perMinute('tracksphere_events_rejected_total', 'code'), legend: '{{code}}' }],
        'short',
        { w: 8, h: 8 },
      ),
    )
    .withPanel(
      promTimeSeriesPanel(
        {
          title: 'Dead letters per minute',
          description:
            'Records the consumer sent to visits.v1.dlq, by cause: undecodable, or refused by ' +
            'PostgreSQL for their data. Alert TracksphereDeadLetters on any. Replay once fixed: ' +
            'npm run admin -- dlq replay.',
        },
        [
          {
            expr: perMinute('tracksphere_consumer_dead_letters_total', 'cause'),
            legend: '{{cause}}',
          },
        ],
        'short',
        { w: 8, h: 8 },
      ),
    )
    .withPanel(
      promTimeSeriesPanel(
        {
          title: 'Quota refusals per minute',
          description:
            "Batches refused with 429 quota_exceeded: they would pass their device's daily " +
            'quota (QUOTA_ROWS_PER_DEVICE_DAY, QUOTA_BYTES_PER_DEVICE_DAY).',
        },
        [{ expr: perMinute('tracksphere_quota_refusals_total', ''), legend: 'batches refused' }],
        'short',
        { w: 8, h: 8 },
      ),
    )
    .withPanel(
      promTimeSeriesPanel(
        {
          title: 'Consumer lag',
          description:
            'Messages behind the end of visits.v1, per partition and in total, as each ' +
            'consumer saw it after its last batch. Alert TracksphereConsumerLagGrowing over ' +
            '1000 and rising for 15 minutes.',
        },
        [
          { expr: 'sum(max by (partition) (tracksphere_consumer_lag))', legend: 'total' },
          {
            expr: 'max by (partition) (tracksphere_consumer_lag)',
            legend: 'partition {{partition}}',
          },
        ],
        'short',
        { w: 9, h: 8 },
      ),
    )
    .withPanel(
      promTimeSeriesPanel(
        {
          title: 'Events accepted per minute, by cohort',
          description:
            'Events the API accepted, by the cohort of the device ("(none)": no cohort). ' +
            'Alert TracksphereCohortSilent when a cohort with devices and an open study ' +
            'sends nothing for 6 hours.',
        },
        [
          {
            expr: perMinute('tracksphere_cohort_events_accepted_total', 'cohort'),
            legend: '{{cohort}}',
          },
        ],
        'short',
        { w: 9, h: 8 },
      ),
    )
    .withPanel(
      promStatPanel(
        {
          title: 'Alerts firing',
          description:
            "Prometheus's alerts firing now (deploy/prometheus/alerts.yml); which ones: " +
            'Explore, ALERTS{alertstate="firing"}, or Prometheus\'s /alerts page.',
        },
        'count(ALERTS{alertstate="firing"}) or vector(0)',
        'short',
        { w: 6, h: 8 },
      ),
    );
  return asSchemaDashboard(builder.build());
}
