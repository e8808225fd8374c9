import type { Server } from 'node:http';
import type { Express } from 'express';

/**
 * Listens with timeouts that stop slow clients from holding connections
 * (slow-loris): headers within 10 s, whole request within 30 s.
 */
export async function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      if (err) reject(err);
      else resolve(server);
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.keepAliveTimeout = 5_000;
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
