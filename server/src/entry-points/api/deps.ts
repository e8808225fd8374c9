import type { Config } from '../../config.js';
import type { Pool } from '../../data-access/pool.js';
import type { VisitSink } from '../../data-access/visit-record.js';
import type { DeviceAuthenticator } from '../../domain/device-auth.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';

/** What the API's routes and middleware are given: built by start-api.ts, or by a test. */
export interface ApiDeps {
  pool: Pool;
  /** Bearer tokens to devices, with the credential cache (domain/device-auth.ts). */
  auth: DeviceAuthenticator;
  sink: VisitSink;
  /** "kafka" or "postgres": a metrics label. */
  sinkName: string;
  log: Logger;
  metrics: Metrics;
  config: Pick<
    Config,
    | 'enrollmentKey'
    | 'corsOrigins'
    | 'retentionDays'
    | 'maxClockSkewDays'
    | 'rateLimit'
    | 'quota'
    | 'registrations'
    | 'linkMaxBrowsers'
    | 'trustProxy'
  >;
  readiness(): Promise<Record<string, boolean>>;
  now(): Date;
}
