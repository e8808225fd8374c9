import { createServer, type Server } from 'node:http';
import type { Express } from 'express';

/**
 * Listens with timeouts that stop slow clients from holding connections
 * (slow-loris): headers within 10 s, whole request within 30 s.
 */
export interface ServerTimeouts {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
}

export const DEFAULT_TIMEOUTS: ServerTimeouts = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
};

export async function listen(
  app: Express,
  port: number,
  host: string,
  timeouts: ServerTimeouts = DEFAULT_TIMEOUTS,
): Promise<Server> {
  // Node enforces the header and request timeouts only when it checks its
  // connections, every 30 s by default: check every second so 10 s means 10 s.
  const server = createServer(
    { ...timeouts, connectionsCheckingInterval: Math.min(1_000, timeouts.headersTimeout) },
    app,
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** Stops taking connections and waits for requests in flight to finish. */
export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

export function addressOf(server: Server): { host: string; port: number } {
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('server is not listening on TCP');
  return { host: a.address, port: a.port };
}
