import type { Config } from '../config.js';
import { StartupError } from '../startup-error.js';

/** What an entry point was doing when it failed to start. */
export type StartupStep = 'database' | 'kafka' | 'http';

interface SystemError extends Error {
  code?: string;
  syscall?: string;
}

/** The error's own words, or a note that it gave none (never "undefined"). */
function reasonOf(err: unknown): string {
  if (err instanceof Error) {
    const message = err.message.trim();
    return message === '' ? `${err.name}, with no message` : message;
  }
  if (typeof err === 'string' && err.trim() !== '') return err.trim();
  return 'it failed without saying why';
}

/** DATABASE_URL without its password. */
function databaseAt(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

function listenFailure(err: SystemError, config: Config): string | null {
  const where = `port ${config.port} of ${config.host}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `The HTTP port ${config.port} on ${config.host} is in use by another program: stop that program, or set PORT to a free port (PORT=0 picks one).`;
    case 'EACCES':
      return `This user may not listen on ${where}: set PORT to 1024 or above.`;
    case 'EADDRNOTAVAIL':
      return `HOST ${config.host} is not an address of this machine: set HOST to one of its addresses (127.0.0.1 by default).`;
    default:
      return null;
  }
}

/**
 * One sentence saying what is wrong and what to do, for a start-up that
 * failed at `step`.
 */
export function describeStartupFailure(err: unknown, step: StartupStep, config: Config): string {
  if (err instanceof StartupError) return err.message;
  const reason = reasonOf(err);
  switch (step) {
    case 'http':
      return (
        listenFailure(err as SystemError, config) ??
        `Could not listen on port ${config.port} of ${config.host} (${reason}): check PORT and HOST.`
      );
    case 'kafka':
      return `Could not start the Kafka consumer on ${config.kafka?.brokers.join(', ') ?? 'KAFKA_BROKERS'} (${reason}): check that the brokers run and can be reached, or unset KAFKA_BROKERS to write to PostgreSQL directly.`;
    case 'database':
      return config.databaseUrl === undefined
        ? `Could not start the embedded PostgreSQL in ${config.dataDir} (${reason}): check that DATA_DIR is a folder this user can write, or set DATABASE_URL to use another PostgreSQL.`
        : `Could not open the database at ${databaseAt(config.databaseUrl)} (${reason}): check that PostgreSQL runs there and that DATABASE_URL (host, user, password, database) is right.`;
  }
}
