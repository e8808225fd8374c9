import pg from 'pg';
import type { Logger } from '../logger.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/**
 * PostgreSQL errors that mean "not now": the database is not reachable, or it
 * refused this attempt for a reason of its own that a later attempt does not
 * share. The API answers them 503 with Retry-After. The consumer goes further
 * (isDataError): it waits and retries on every error that is not the data's.
 */
const UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '57014', // query_canceled: statement_timeout, or an operator's pg_cancel_backend
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available: lock_timeout
  '25006', // read_only_sql_transaction: a standby, or a primary demoted by a failover
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

/** Class 53, insufficient resources: disk full, out of memory, too many connections. */
const INSUFFICIENT_RESOURCES = /^53/;

/**
 * True when PostgreSQL itself is down, restarting or read-only (a standby after a failover),
 * as opposed to busy: a pool that timed out waiting for a connection, a lock or statement
 * timeout, or a lack of resources. What may be done without the database (Kafka keeps the
 * records) is done only in the first case, so load alone never skips a check.
 */
export function isDatabaseDown(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as Error & { code?: string }).code;
  if (code !== undefined && /^(25006|57P01|57P02|57P03|ECONNREFUSED|ECONNRESET)$/.test(code)) {
    return true;
  }
  return /Connection terminated unexpectedly|connect ECONNREFUSED/i.test(err.message);
}

export function isUnavailableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as Error & { code?: string }).code;
  if (code !== undefined && (UNAVAILABLE_CODES.has(code) || INSUFFICIENT_RESOURCES.test(code))) {
    return true;
  }
  if (code !== undefined && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND)$/.test(code)) {
    return true;
  }
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    err.message,
  );
}

/** SQLSTATE class 22 (data exception) or 23 (integrity constraint violation). */
const DATA_FAULT = /^2[23][0-9A-Z]{3}$/;

/**
 * True only when the error is the data's fault: PostgreSQL refused the
 * records themselves (SQLSTATE class 22, e.g. a value out of range, or 23, a
 * constraint), so writing them again would fail again and they are
 * dead-lettered. Everything else, including errors never seen before, a
 * read-only database after a failover, a missing table or permission, is the
 * database's or the deployment's and may pass: the consumer waits and retries,
 * so a good record is never thrown away for it.
 */
export function isDataError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as Error & { code?: unknown }).code;
  return typeof code === 'string' && DATA_FAULT.test(code);
}

export function createPool(connectionString: string, max: number, log: Logger): Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'tracksphere',
  });
  // Without this listener an idle client's error (server restart) crashes Node.
  pool.on('error', (err) => log.warn({ err }, 'idle PostgreSQL client error'));
  return pool;
}

/** Runs fn in one transaction on one client: BEGIN, COMMIT or ROLLBACK, release in finally. */
export async function withTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw err;
  } finally {
    // A client whose connection broke must not go back to the pool.
    client.release(broken ? true : undefined);
  }
}

export async function ping(pool: Pool): Promise<void> {
  await pool.query('SELECT 1');
}

/** Readiness: whether PostgreSQL answers now. */
export async function isReachable(pool: Pool): Promise<boolean> {
  try {
    await ping(pool);
    return true;
  } catch {
    return false;
  }
}
