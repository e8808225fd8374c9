/**
 * Upstreams for nginx tests that record every request they get: a transparent proxy in front of
 * the real API (to see exactly which headers nginx passes on, and whether a request got through
 * at all), and a stub standing in for Grafana.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface StubReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RecordingUpstream {
  /** host:port, as the nginx template's upstream variables take it. */
  address: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function record(req: IncomingMessage, into: RecordedRequest[]): void {
  into.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Forwards every request unchanged to `target` (an http://host:port URL) after recording it. */
export async function startRecordingProxy(target: string): Promise<RecordingUpstream> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    record(req, requests);
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: Number(upstream.port),
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.once('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  const address = await listen(server);
  return { address, requests, close: () => close(server) };
}

/**
 * Answers every request with `reply`; WebSocket upgrade requests get a bare 101 (enough to see
 * that nginx passed the upgrade on).
 */
export async function startStubUpstream(reply: StubReply): Promise<RecordingUpstream> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    record(req, requests);
    req.resume();
    res.writeHead(reply.status, reply.headers).end(reply.body);
  });
  server.on('upgrade', (req: IncomingMessage, socket) => {
    record(req, requests);
    socket.end(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    );
  });
  const address = await listen(server);
  return { address, requests, close: () => close(server) };
}
