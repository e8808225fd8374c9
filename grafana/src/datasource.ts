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
