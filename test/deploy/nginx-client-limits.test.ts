/**
 * The production nginx config against clients that misbehave: a reader that stops reading a
 * large answer (nginx must not spool it to disk), many requests at once from one client, and
 * clients told apart by IPv4 address or IPv6 /64. Stub upstreams stand in for the API and
 * Grafana: these limits act before anything reaches them.
 */
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_HOST } from './http-client.js';
import {
  type StreamingUpstream,
  startStreamingUpstream,
  startStubUpstream,
} from './recording-upstream.js';
import { startTestNginx, type TestNginx } from './test-nginx.js';

const MiB = 1024 * 1024;
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The compose defaults (.env.example), overridden where a test needs a small limit. */
function templateValues(overrides: Record<string, string>): Record<string, string> {
  return {
    NGINX_API_RATE: '10r/s',
    NGINX_API_BURST: '50',
    ...overrides,
  };
}

async function nginxFor(values: Record<string, string>): Promise<TestNginx> {
  const nginx = await startTestNginx(templateValues(values));
  cleanups.push(() => nginx.stop());
  return nginx;
}

/**
 * Sends a GET over TLS and reads only the response head, then stops reading: the socket is
 * paused, so the kernel's buffers fill and nginx can write no more to it.
 */
function startStalledRead(nginx: TestNginx, path: string): Promise<TLSSocket> {
  const port = Number(new URL(nginx.httpsUrl).port);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: TEST_HOST, ca: nginx.ca });
    let head = '';
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${TEST_HOST}\r\nAuthorization: Bearer x.y\r\n\r\n`,
      );
    });
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      if (!head.startsWith('HTTP/1.1 200')) reject(new Error(`unexpected answer: ${head}`));
      else resolve(socket);
    };
    socket.on('data', onData);
  });
}

/** Waits until `value()` has not changed for `quietMs` (or `timeoutMs` passed); returns it. */
async function settled(value: () => number, quietMs = 750, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = value();
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    const now = value();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      break;
    }
  }
  return last;
}

/**
 * Bytes in the temp files nginx holds open. nginx unlinks a temp file as soon as it creates it,
 * so the folder always looks empty: the open descriptors tell.
 */
async function openTempFileBytes(nginx: TestNginx): Promise<number> {
  const fdDir = `/proc/${nginx.process.pid}/fd`;
  let total = 0;
  for (const fd of await readdir(fdDir)) {
    const target = await readlink(`${fdDir}/${fd}`).catch(() => '');
    if (!target.startsWith(`${nginx.dir}/temp/`)) continue;
    total += (await stat(`${fdDir}/${fd}`).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

describe('nginx and a client that stops reading', () => {
  // Far more than the loopback sockets between upstream, nginx and the client can hold.
  const BODY_BYTES = 128 * MiB;
  // What those socket buffers can take between them (Linux autotunes them to a few MiB each).
  const SOCKET_BUFFERS_BYTES = 40 * MiB;

  it.each([
    ['the export of a device', '/api/v1/me/export', 'NGINX_API_UPSTREAM'],
    ['Grafana', '/grafana/public/build/app.js', 'NGINX_GRAFANA_UPSTREAM'],
  ])('never spools an answer to disk: %s', async (_what, path, upstreamVariable) => {
    const upstream: StreamingUpstream = await startStreamingUpstream(BODY_BYTES);
    cleanups.push(() => upstream.close());
    const other = await startStubUpstream({ status: 200, headers: {}, body: 'other' });
    cleanups.push(() => other.close());
    const nginx = await nginxFor({
      NGINX_API_UPSTREAM: other.address,
      NGINX_GRAFANA_UPSTREAM: other.address,
      [upstreamVariable]: upstream.address,
    });

    const socket = await startStalledRead(nginx, path);
    try {
      // Once the buffers are full, nothing moves: what got out of the upstream is what nginx
      // took, held in its buffers (bounded) or on disk (what must not happen).
      const sent = await settled(() => upstream.sent());
      expect(upstream.requests.map((r) => r.url)).toEqual([path]);
      expect(await openTempFileBytes(nginx)).toBe(0);
      expect(sent).toBeLessThan(SOCKET_BUFFERS_BYTES);
      expect(await readFile(`${nginx.dir}/logs/error.log`, 'utf8')).not.toMatch(
        /buffered to a temporary file/,
      );
    } finally {
      socket.destroy();
    }
  });
});
