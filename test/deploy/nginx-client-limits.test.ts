/**
 * The production nginx config against clients that misbehave: a reader that stops reading a
 * large answer (nginx must not spool it to disk), many requests at once from one client, and
 * clients told apart by IPv4 address or IPv6 /64. Stub upstreams stand in for the API and
 * Grafana: these limits act before anything reaches them.
 */
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { type ClientResult, send, TEST_HOST } from './http-client.js';
import {
  type HoldingUpstream,
  type StreamingUpstream,
  startHoldingUpstream,
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
    NGINX_CONN_PER_CLIENT: '64',
    ...overrides,
  };
}

async function nginxFor(
  values: Record<string, string>,
  clientAddressHeader?: string,
): Promise<TestNginx> {
  const nginx = await startTestNginx(templateValues(values), { clientAddressHeader });
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

/** The header the test nginx takes the client address from (realip, trusted from loopback). */
const CLIENT_ADDRESS = 'X-Test-Client-Address';

function apiRequestFrom(
  nginx: TestNginx,
  address: string,
  path = '/api/v1/openapi.json',
): Promise<ClientResult> {
  return send(`${nginx.httpsUrl}${path}`, { ca: nginx.ca, headers: { [CLIENT_ADDRESS]: address } });
}

/** A request's status, or 0 when no answer came within `ms` (the upstream holds it). */
async function statusWithin(request: Promise<ClientResult>, ms = 2_000): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(0), ms);
  });
  // A request that failed (e.g. cut off when nginx stops) counts as -1, never as unhandled.
  const status = await Promise.race([
    request.then(
      (r) => r.status,
      () => -1,
    ),
    timeout,
  ]);
  clearTimeout(timer);
  return status;
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('nginx per-client limits', () => {
  it('keys IPv4 clients by address and IPv6 clients by /64', async () => {
    const api = await startStubUpstream({ status: 200, headers: {}, body: '{}' });
    cleanups.push(() => api.close());
    // One request a minute and a burst of one: a client's third request is over its rate.
    const nginx = await nginxFor(
      {
        NGINX_API_UPSTREAM: api.address,
        NGINX_GRAFANA_UPSTREAM: api.address,
        NGINX_API_RATE: '1r/m',
        NGINX_API_BURST: '1',
      },
      CLIENT_ADDRESS,
    );
    const statusesFrom = async (...addresses: string[]): Promise<number[]> => {
      const statuses: number[] = [];
      for (const address of addresses) statuses.push((await apiRequestFrom(nginx, address)).status);
      return statuses;
    };

    // An IPv6 host has a /64 to itself: any address in it is the same client.
    const sameHost = ['2001:db8:1:2::a', '2001:db8:1:2::b', '2001:db8:1:2:ffff:ffff:ffff:ffff'];
    expect(await statusesFrom(...sameHost)).toEqual([200, 200, 429]);
    // The next /64 is another client.
    expect(await statusesFrom('2001:db8:1:3::a')).toEqual([200]);
    // IPv4 addresses are clients each, and never share a key with an IPv6 prefix.
    const v4 = ['192.0.2.1', '192.0.2.1', '192.0.2.2', '192.0.2.1'];
    expect(await statusesFrom(...v4)).toEqual([200, 200, 200, 429]);
    expect(await statusesFrom('::ffff:192.0.2.3')).toEqual([200]);
  });

  it("answers 429 to requests beyond a client's concurrent limit, on every path", async () => {
    const upstream: HoldingUpstream = await startHoldingUpstream();
    cleanups.push(() => upstream.close());
    const nginx = await nginxFor(
      {
        NGINX_API_UPSTREAM: upstream.address,
        NGINX_GRAFANA_UPSTREAM: upstream.address,
        NGINX_CONN_PER_CLIENT: '3',
      },
      CLIENT_ADDRESS,
    );
    // Three requests of one /64 in flight (held by the upstream): the client's limit.
    const held = [
      apiRequestFrom(nginx, '2001:db8:5:6::1', '/api/v1/me/export'),
      apiRequestFrom(nginx, '2001:db8:5:6::2', '/api/v1/events'),
      apiRequestFrom(nginx, '2001:db8:5:6::1', '/grafana/api/ds/query'),
    ];
    await waitFor(() => upstream.held() === 3);
    expect(upstream.held()).toBe(3);

    // More from the same /64, on any path, are refused without reaching the upstream.
    const extra = ['/api/v1/events', '/api/v1/me/export', '/grafana/'].map((path) =>
      apiRequestFrom(nginx, '2001:db8:5:6::3', path),
    );
    const extraStatuses = await Promise.all(extra.map((request) => statusWithin(request)));
    expect(extraStatuses).toEqual([429, 429, 429]);
    for (const refused of (await Promise.all(extra)).slice(0, 2)) {
      expect(JSON.parse(refused.text)).toMatchObject({ error: { code: 'rate_limited' } });
      expect(refused.headers['retry-after']).toBe('1');
    }
    expect(upstream.requests.length).toBe(3);

    // Another client is not affected.
    const other = apiRequestFrom(nginx, '192.0.2.7');
    await waitFor(() => upstream.held() === 4);
    expect(upstream.held()).toBe(4);

    upstream.release();
    const statuses = (await Promise.all([...held, other])).map((r) => r.status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    // Finished requests no longer count.
    expect((await apiRequestFrom(nginx, '2001:db8:5:6::1')).status).toBe(200);
  });
});
