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

export interface StreamingUpstream extends RecordingUpstream {
  /** Body bytes handed to the socket so far, over all requests. */
  sent(): number;
}

/**
 * Answers every request with `totalBytes` of body, written as fast as the connection takes it
 * (a write that is not taken waits for 'drain'): how much got out shows how much nginx read.
 */
export async function startStreamingUpstream(totalBytes: number): Promise<StreamingUpstream> {
  const requests: RecordedRequest[] = [];
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  const server = createServer((req, res) => {
    record(req, requests);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    let left = totalBytes;
    let closed = false;
    res.once('close', () => {
      closed = true;
    });
    const pump = (): void => {
      while (left > 0 && !closed) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        sent += piece.length;
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!closed) res.end();
    };
    pump();
  });
  const address = await listen(server);
  return { address, requests, sent: () => sent, close: () => close(server) };
}

export interface HoldingUpstream extends RecordingUpstream {
  /** Requests received and not answered yet. */
  held(): number;
  /** Answers every held request with 200 (and answers later ones at once). */
  release(): void;
}

/** Holds every request unanswered until release(): requests in flight, as long as a test likes. */
export async function startHoldingUpstream(): Promise<HoldingUpstream> {
  const requests: RecordedRequest[] = [];
  let waiting: Array<() => void> = [];
  let released = false;
  const server = createServer((req, res) => {
    record(req, requests);
    req.resume();
    const answer = (): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    };
    if (released) answer();
    else waiting.push(answer);
  });
  const address = await listen(server);
  return {
    address,
    requests,
    held: () => waiting.length,
    release(): void {
      released = true;
      for (const answer of waiting) answer();
      waiting = [];
    },
    close: () => close(server),
  };
}
