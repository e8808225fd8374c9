import { z } from 'zod';
import { authCacheEnv } from './config-auth.js';
import { extensionOriginProblem } from './config-origins.js';
import { type LinkCapConfig, type QuotaConfig, quotaEnv, quotaOf } from './config-quota.js';

/**
 * Server configuration, read once from the environment at start. A bad value
 * stops the process with a message naming the variable (API.md, "Server
 * configuration").
 *
 * NODE_ENV=production (the Dockerfile sets it, so every container of the
 * compose stack has it) marks a deployment, which must name what a workstation
 * may leave open, with real secrets: none empty, shorter than MIN_SECRET_LENGTH
 * or a placeholder like .env.example's change-me (deploy/check-secrets.sh
 * applies the same rules to the compose stack's secrets). Every process needs a
 * DATABASE_URL with such a password; a process that serves the API also needs
 * CORS_ORIGINS and an ENROLLMENT_KEY (or OPEN_REGISTRATION=true).
 */

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const booleanFlag = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');

/** "a, b,,c" -> ["a", "b", "c"]; unset or blank -> undefined. */
const commaList = optionalString.transform((v) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
);

/** The shortest secret a deployment accepts (`openssl rand -hex 24` gives 48 characters). */
export const MIN_SECRET_LENGTH = 16;

/**
 * Why `value` is no secret (empty, a placeholder, too short), or undefined when
 * it may be one. A placeholder is anything containing change-me, whatever its
 * case and separators (changeme, CHANGE_ME, Change.Me, ...).
 */
export function weakSecretProblem(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return 'is empty';
  const letters = value.toLowerCase().replace(/[\s._-]/g, '');
  if (letters.includes('changeme')) {
    return 'is a placeholder: set a real secret (e.g. openssl rand -hex 24)';
  }
  if (value.length < MIN_SECRET_LENGTH) {
    return `is shorter than ${MIN_SECRET_LENGTH} characters`;
  }
  return undefined;
}

const EnvSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
  ),
  DATA_DIR: z.string().min(1).default('.data'),
  KAFKA_BROKERS: commaList,
  KAFKA_TOPIC: z.string().min(1).default('visits.v1'),
  KAFKA_DLQ_TOPIC: optionalString,
  KAFKA_CLIENT_ID: z.string().min(1).default('tracksphere'),
  KAFKA_GROUP_ID: z.string().min(1).default('pg-writer'),
  KAFKA_SESSION_TIMEOUT_MS: positiveInt.default(30_000),
  KAFKA_MAX_WAIT_MS: positiveInt.default(500),
  // Partitions' batches handled at once, a wave the writer stores in one or two transactions.
  // 16, not 4: at one event a request half the consumer's and PostgreSQL's CPU per event
  // (docs/performance.md, "Small requests"), for ~45 MiB more peak RSS.
  KAFKA_PARTITIONS_CONCURRENCY: positiveInt.default(16),
  // Group members in one consumer process, each its own fetch loop (kafka.ts).
  KAFKA_CONSUMERS: positiveInt.max(8).default(1),
  // The largest record batch the API sends one partition: under the brokers' message.max.bytes
  // (1,048,588 by default) and the topic's max.message.bytes. A request's visits are cut to fit.
  KAFKA_MAX_MESSAGE_BYTES: positiveInt.min(65_536).default(900_000),
  ENROLLMENT_KEY: optionalString,
  // Lets a deployment run without ENROLLMENT_KEY, deliberately: anyone may register a device.
  OPEN_REGISTRATION: booleanFlag.default(false),
  CORS_ORIGINS: commaList,
  RETENTION_DAYS: positiveInt.default(395),
  // The largest |receivedAt - sentAt| corrected; a batch beyond it is refused (400 clock_skew).
  MAX_CLOCK_SKEW_DAYS: positiveInt.default(30),
  RATE_LIMIT_DEVICE_PER_MINUTE: positiveInt.default(120),
  RATE_LIMIT_IP_PER_MINUTE: positiveInt.default(600),
  // Devices that may register per UTC day, and in all (unset: no total), with ENROLLMENT_KEY
  // or, without one, by open registration.
  REGISTRATIONS_PER_DAY: positiveInt.default(100),
  REGISTRATIONS_TOTAL: optionalString
    .transform((v) => (v === undefined ? undefined : Number(v)))
    .pipe(z.number().int().positive().optional()),
  // Devices registered this many days ago that never stored anything are deleted hourly.
  UNUSED_DEVICE_EXPIRY_DAYS: positiveInt.default(30),
  TRUST_PROXY: optionalString,
  CONSUMER_PORT: port.default(8081),
  PG_POOL_SIZE: positiveInt.default(10),
  MIGRATE_ON_START: booleanFlag.default(true),
  PARTITION_MAINTENANCE: booleanFlag.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ...authCacheEnv,
  ...quotaEnv,
});

export interface Config extends LinkCapConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  kafka:
    | {
        brokers: string[];
        topic: string;
        dlqTopic: string;
        clientId: string;
        groupId: string;
        sessionTimeoutMs: number;
        maxWaitMs: number;
        partitionsConcurrency: number;
        consumers?: number; // KAFKA_CONSUMERS, 1 when not given
        /** The largest record batch sent to one partition (messaging/produce-requests.ts). */
        maxMessageBytes: number;
      }
    | undefined;
  enrollmentKey: string | undefined;
  corsOrigins: string[] | undefined;
  retentionDays: number;
  /**
   * The largest device clock error corrected, in days: a batch whose sentAt is further from
   * the server's clock is refused whole (400 clock_skew). So an accepted event's raw times lie
   * within this of its corrected ones, which acceptance (too_old, in_future) judges.
   */
  maxClockSkewDays: number;
  rateLimit: { perDevicePerMinute: number; perIpPerMinute: number };
  /** Per device and UTC day: a batch that would pass either is refused (429 quota_exceeded). */
  quota: QuotaConfig;
  /** Registrations per UTC day and in all (undefined: no cap) (429 registration_limit). */
  registrations: { perDay: number; total: number | undefined };
  /** Devices registered longer ago that stored nothing are deleted by the hourly maintenance. */
  unusedDeviceExpiryDays: number;
  trustProxy: string | undefined;
  consumerPort: number;
  pgPoolSize: number;
  /** Apply pending migrations at start (off where the app role may not own the schema). */
  migrateOnStart: boolean;
  /** Create/drop monthly partitions hourly (needs the table owner). */
  partitionMaintenance: boolean;
  logLevel: string;
  authCacheTtlMs: number; // config-auth.ts
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Entry points that serve no API (consumer, migrations, admin; TypeScript or compiled): any other
 * does, so a moved file gets the stricter checks, never the laxer.
 */
const NO_API =
  /(entry-points\/(consumer\/main|admin\/main|migrate)\.[cm]?[jt]s|\/(consumer|admin|migrate)\.mjs)$/;

/** True when the process started from `entryPoint` (a path) serves the ingest API. */
export function servesApi(entryPoint: string | undefined): boolean {
  return !NO_API.test((entryPoint ?? '').replaceAll('\\', '/'));
}

/** A deployment's own secrets: the database password and the API's enrollment key. */
function deploymentProblems(
  e: z.infer<typeof EnvSchema>,
  env: NodeJS.ProcessEnv,
  api: boolean,
): string[] {
  const problems: string[] = [];
  if (api && (e.CORS_ORIGINS === undefined || e.CORS_ORIGINS.length === 0)) {
    problems.push(
      'CORS_ORIGINS: required when NODE_ENV=production: the extension origins allowed to call ' +
        'the API, comma-separated (e.g. chrome-extension://<id from the store>)',
    );
  }
  if (e.DATABASE_URL === undefined) {
    problems.push('DATABASE_URL: required when NODE_ENV=production');
  } else {
    let inUrl: string | undefined;
    try {
      inUrl = decodeURIComponent(new URL(e.DATABASE_URL).password);
    } catch {
      problems.push('DATABASE_URL: not a valid URL');
    }
    if (inUrl !== undefined) {
      // node-postgres takes PGPASSWORD when the URL has none.
      const problem = weakSecretProblem(inUrl || env.PGPASSWORD);
      if (problem !== undefined) problems.push(`DATABASE_URL: the password ${problem}`);
    }
  }
  if (e.ENROLLMENT_KEY === undefined) {
    if (api && !e.OPEN_REGISTRATION) {
      problems.push(
        'ENROLLMENT_KEY: required when NODE_ENV=production (or OPEN_REGISTRATION=true to let ' +
          'anyone register a device)',
      );
    }
  } else {
    const problem = weakSecretProblem(e.ENROLLMENT_KEY);
    if (problem !== undefined) problems.push(`ENROLLMENT_KEY: ${problem}`);
  }
  return problems;
}

/**
 * `entryPoint`: the script the process runs (default: process.argv[1]), which
 * tells whether it serves the API (servesApi).
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  entryPoint: string | undefined = process.argv[1],
): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const production = env.NODE_ENV === 'production';
  const problems: string[] = [];
  if (e.CORS_ORIGINS !== undefined) {
    for (const origin of e.CORS_ORIGINS) {
      const problem = extensionOriginProblem(origin);
      if (problem !== undefined) problems.push(`CORS_ORIGINS: ${problem}`);
    }
  }
  if (e.OPEN_REGISTRATION && e.ENROLLMENT_KEY !== undefined) {
    problems.push('OPEN_REGISTRATION: true, but ENROLLMENT_KEY is set: unset one of the two');
  }
  if (production) problems.push(...deploymentProblems(e, env, servesApi(entryPoint)));
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  if (e.KAFKA_BROKERS !== undefined && e.KAFKA_BROKERS.length === 0) {
    throw new ConfigError('Invalid configuration:\n  KAFKA_BROKERS: lists no broker');
  }
  for (const broker of e.KAFKA_BROKERS ?? []) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker)) {
      throw new ConfigError(
        `Invalid configuration:\n  KAFKA_BROKERS: "${broker}" is not host:port`,
      );
    }
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    kafka:
      e.KAFKA_BROKERS === undefined
        ? undefined
        : {
            brokers: e.KAFKA_BROKERS,
            topic: e.KAFKA_TOPIC,
            dlqTopic: e.KAFKA_DLQ_TOPIC ?? `${e.KAFKA_TOPIC}.dlq`,
            clientId: e.KAFKA_CLIENT_ID,
            groupId: e.KAFKA_GROUP_ID,
            sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
            maxWaitMs: e.KAFKA_MAX_WAIT_MS,
            partitionsConcurrency: e.KAFKA_PARTITIONS_CONCURRENCY,
            consumers: e.KAFKA_CONSUMERS,
            maxMessageBytes: e.KAFKA_MAX_MESSAGE_BYTES,
          },
    enrollmentKey: e.ENROLLMENT_KEY,
    corsOrigins: e.CORS_ORIGINS,
    retentionDays: e.RETENTION_DAYS,
    maxClockSkewDays: e.MAX_CLOCK_SKEW_DAYS,
    rateLimit: {
      perDevicePerMinute: e.RATE_LIMIT_DEVICE_PER_MINUTE,
      perIpPerMinute: e.RATE_LIMIT_IP_PER_MINUTE,
    },
    quota: quotaOf(e),
    registrations: { perDay: e.REGISTRATIONS_PER_DAY, total: e.REGISTRATIONS_TOTAL },
    linkMaxBrowsers: e.LINK_MAX_BROWSERS,
    unusedDeviceExpiryDays: e.UNUSED_DEVICE_EXPIRY_DAYS,
    trustProxy: e.TRUST_PROXY,
    consumerPort: e.CONSUMER_PORT,
    pgPoolSize: e.PG_POOL_SIZE,
    migrateOnStart: e.MIGRATE_ON_START,
    partitionMaintenance: e.PARTITION_MAINTENANCE,
    logLevel: e.LOG_LEVEL,
    authCacheTtlMs: e.AUTH_CACHE_TTL_MS,
  };
}
