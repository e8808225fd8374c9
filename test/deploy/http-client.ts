/**
 * HTTP(S) requests for the nginx tests, with what fetch cannot do: trust one self-signed
 * certificate without switching verification off for the whole process, pin TLS versions and
 * ciphers, set the Host header, read repeated headers, and see WebSocket upgrades.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';

export interface ClientResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** Header names and values exactly as received, repeats included. */
  rawHeaders: string[];
  text: string;
  /** The negotiated TLS version ("TLSv1.3"), or null over plain HTTP. */
  tlsVersion: string | null;
}

export interface ClientOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The certificate to trust (the test's self-signed one). */
  ca?: Buffer;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  ciphers?: string;
}

/** The name the test certificate is made for, sent as SNI and Host. */
export const TEST_HOST = 'localhost';

/**
 * Sends one request to 127.0.0.1:<port> of the URL with Host and SNI "localhost" (nginx listens
 * on 127.0.0.1 only; "localhost" may resolve to ::1 first).
 */
export function send(url: string, opts: ClientOptions = {}): Promise<ClientResult> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const headers: Record<string, string> = { host: TEST_HOST, ...opts.headers };
  if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
  const common = {
    host: '127.0.0.1',
    port: Number(target.port),
    path: `${target.pathname}${target.search}`,
    method: opts.method ?? 'GET',
    headers,
    agent: false as const,
  };
  return new Promise((resolve, reject) => {
    const req = secure
      ? httpsRequest({
          ...common,
          servername: TEST_HOST,
          ca: opts.ca,
          minVersion: opts.minVersion,
          maxVersion: opts.maxVersion,
          ciphers: opts.ciphers,
        })
      : httpRequest(common);
    const tlsVersion = (): string | null =>
      secure ? ((req.socket as TLSSocket | null)?.getProtocol() ?? null) : null;
    req.once('response', (res) => {
      const version = tlsVersion();
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          text: Buffer.concat(chunks).toString('utf8'),
          tlsVersion: version,
        }),
      );
      res.once('error', reject);
    });
    // A 101 answer arrives here instead of as a response.
    req.once('upgrade', (res, socket) => {
      const version = tlsVersion();
      socket.destroy();
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        rawHeaders: res.rawHeaders,
        text: '',
        tlsVersion: version,
      });
    });
    req.once('error', reject);
    req.end(opts.body);
  });
}

/** How many times a header came (case-insensitive). */
export function headerCount(result: ClientResult, name: string): number {
  const lower = name.toLowerCase();
  return result.rawHeaders.filter((value, i) => i % 2 === 0 && value.toLowerCase() === lower)
    .length;
}
