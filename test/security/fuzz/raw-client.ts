/**
 * A bare node:http client for the fuzz run: keep-alive sockets, bodies sent as
 * exact bytes, and no header added behind the test's back (fetch would add a
 * Content-Type to a string body, which the wrong-content-type cases must not get).
 */
import { Agent, request } from 'node:http';

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface RawClient {
  send(req: RawRequest): Promise<RawResponse>;
  close(): void;
}

/** A client whose requests fail (instead of hanging) when no answer comes within timeoutMs. */
export function rawClient(baseUrl: string, maxSockets: number, timeoutMs: number): RawClient {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    send(req: RawRequest): Promise<RawResponse> {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string> = { ...req.headers };
        if (req.body !== undefined) headers['content-length'] = String(req.body.length);
        const r = request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method: req.method,
            path: req.path,
            headers,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              clearTimeout(timer);
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                text: Buffer.concat(chunks).toString('utf8'),
              });
            });
            res.on('error', reject);
          },
        );
        const timer = setTimeout(() => {
          r.destroy(new Error(`no answer within ${timeoutMs} ms to ${req.method} ${req.path}`));
        }, timeoutMs);
        r.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        r.end(req.body);
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}
