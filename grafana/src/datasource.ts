import type { DataSourceRef } from '@grafana/schema';

/**
 * The provisioned PostgreSQL datasource (grafana/provisioning/datasources/tracksphere.yaml).
 * Panels reference it by this fixed uid, so dashboards work on any Grafana the files are
 * provisioned into, with no "choose a datasource" step.
 */
export const POSTGRES_DATASOURCE = {
  type: 'grafana-postgresql-datasource',
  uid: 'tracksphere-pg',
} as const satisfies DataSourceRef;

/**
 * The Study datasource (same file): it logs in as grafana_study_reader, which may read the
 * study_* views and nothing else (migration study-views). The Study dashboards use only it.
 */
export const STUDY_DATASOURCE = {
  type: 'grafana-postgresql-datasource',
  uid: 'tracksphere-study-pg',
} as const satisfies DataSourceRef;

/**
 * The Prometheus of the compose stack (same file; deploy/prometheus/prometheus.yml): the
 * processes' own counters (rejected events, dead letters, consumer lag, quota refusals, HTTP
 * status), which never reach PostgreSQL. Only the admin's Pipeline health dashboard uses it.
 */
export const PROMETHEUS_DATASOURCE = {
  type: 'prometheus',
  uid: 'tracksphere-prometheus',
} as const satisfies DataSourceRef;
