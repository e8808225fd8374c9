/**
 * A tiny HTTP proxy in front of the real ingest server that injects the faults a
 * browser meets on the way: an overloaded front answering 503, or an answer lost
 * after the server already stored the batch.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'forward' }
  /** Answer here, never reaching the server. */
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: string }
  /** Forward, let the server finish, then cut the client's connection instead of answering. */
  | { kind: 'lose_answer' };

export interface FaultProxy {
  url: string;
  /** Requests seen so far. */
  count(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(
  targetUrl: string,
  decide: (n: number, req: IncomingMessage) => Fault,
): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  let seen = 0;
  const server = createServer((req, res) => {
    const fault = decide(seen++, req);
    if (fault.kind === 'respond') {
      req.resume();
      req.on('end', () => {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(fault.body ?? '');
      });
      return;
    }
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        if (fault.kind === 'lose_answer') {
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    count: () => seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: the "server is down" address. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
