import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { REJECTION_CODES } from '#protocol';

/** Prometheus metrics of one process; a registry per instance so tests can run several. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'route'>;
  eventsAccepted: Counter;
  eventsRejected: Counter<'code'>;
  /** Batches refused 429 quota_exceeded (a device's daily rows or bytes). */
  quotaRefusals: Counter;
  /** Events accepted per cohort: count with cohortLabel(), which bounds the label's values. */
  cohortEventsAccepted: Counter<'cohort'>;
  deliverDuration: Histogram<'sink'>;
  consumerBatchSize: Histogram;
  consumerLag: Gauge<'partition'>;
  consumerWritten: Counter<'outcome'>;
  consumerDeadLetters: Counter<'cause'>;
  consumerWaiting: Gauge;
}

export function createMetrics(defaults = true): Metrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'tracksphere_' });
  const registers = [registry];
  const consumerDeadLetters = new Counter({
    name: 'tracksphere_consumer_dead_letters_total',
    help: 'Records the consumer sent to the dead-letter topic, by cause: undecodable (not a visit record) or refused (PostgreSQL refused it for its data, SQLSTATE class 22 or 23). Any increase needs a look; once fixed, replay with: npm run admin -- dlq replay',
    labelNames: ['cause'],
    registers,
  });
  // Both series from the start, at 0: an alert on increase() sees the first dead letter.
  for (const cause of ['undecodable', 'refused']) consumerDeadLetters.inc({ cause }, 0);
  const eventsRejected = new Counter({
    name: 'tracksphere_events_rejected_total',
    help: 'Events rejected as invalid, by code',
    labelNames: ['code'],
    registers,
  });
  // Likewise every reject code at 0: the panels' rate() sees the first rejected event.
  for (const code of REJECTION_CODES) eventsRejected.inc({ code }, 0);
  return {
    registry,
    httpRequests: new Counter({
      name: 'tracksphere_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'tracksphere_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    eventsAccepted: new Counter({
      name: 'tracksphere_events_accepted_total',
      help: 'Events accepted (durably handed to Kafka or PostgreSQL)',
      registers,
    }),
    eventsRejected,
    quotaRefusals: new Counter({
      name: 'tracksphere_quota_refusals_total',
      help: "Event batches refused with 429 quota_exceeded: the batch would pass its device's daily quota (QUOTA_ROWS_PER_DEVICE_DAY, QUOTA_BYTES_PER_DEVICE_DAY)",
      registers,
    }),
    cohortEventsAccepted: new Counter({
      name: 'tracksphere_cohort_events_accepted_total',
      help: `Events accepted, by the cohort of the sending device ("${NO_COHORT}": registered with ENROLLMENT_KEY or openly; "${OTHER_COHORTS}": cohorts past the first ${MAX_COHORT_LABELS} this process saw)`,
      labelNames: ['cohort'],
      registers,
    }),
    deliverDuration: new Histogram({
      name: 'tracksphere_deliver_duration_seconds',
      help: 'Time to make a batch durable (Kafka produce acks=all, or PostgreSQL commit)',
      labelNames: ['sink'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    consumerBatchSize: new Histogram({
      name: 'tracksphere_consumer_batch_size',
      help: 'Visit records per consumed Kafka batch (a message holds one request of a device)',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'tracksphere_consumer_lag',
      help: 'Messages behind the end of the partition after the last batch',
      labelNames: ['partition'],
      registers,
    }),
    consumerWritten: new Counter({
      name: 'tracksphere_consumer_records_total',
      help: 'Records the consumer wrote, by outcome: inserted (new rows), dropped (erased device)',
      labelNames: ['outcome'],
      registers,
    }),
    consumerDeadLetters,
    consumerWaiting: new Gauge({
      name: 'tracksphere_consumer_waiting_for_database',
      help: "1 while the consumer waits for PostgreSQL to take a write (unreachable, read-only, or refusing for a reason not the data's)",
      registers,
    }),
  };
}

/** The cohort label of devices without a cohort (ENROLLMENT_KEY or open registration). */
export const NO_COHORT = '(none)';
/** The cohort label once a process has seen MAX_COHORT_LABELS cohorts. */
export const OTHER_COHORTS = '(other)';
/**
 * Distinct cohort label values per process. Cohorts are made by the administrator (`admin codes
 * create --cohort`), never by a device, so a study has a handful; the cap only keeps a mistake
 * (a script making a cohort per device) from growing Prometheus without bound.
 */
export const MAX_COHORT_LABELS = 100;

const seenCohorts = new WeakMap<Metrics, Set<string>>();

/** The label value for `cohort` in `metrics`: its name, NO_COHORT, or OTHER_COHORTS past the cap. */
export function cohortLabel(metrics: Metrics, cohort: string | null): string {
  if (cohort === null) return NO_COHORT;
  let seen = seenCohorts.get(metrics);
  if (seen === undefined) {
    seen = new Set();
    seenCohorts.set(metrics, seen);
  }
  if (seen.has(cohort)) return cohort;
  if (seen.size >= MAX_COHORT_LABELS) return OTHER_COHORTS;
  seen.add(cohort);
  return cohort;
}
