/**
 * The production nginx config, running, in front of the real ingest API (embedded mode on the
 * test PostgreSQL) and a stand-in for Grafana. A recording proxy sits between nginx and the
 * API, so the tests see exactly what nginx passes on, and what it stops.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceRegisteredSchema, type DeviceRegistration, IngestResultSchema } from '#protocol';
import { makeBatch, makeEvent } from '../harness/client.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase, startTestServer, type TestServer } from '../harness/server.js';
import { type ClientOptions, type ClientResult, headerCount, send } from './http-client.js';
import { freePort } from './nginx-process.js';
import {
  type RecordingUpstream,
  startRecordingProxy,
  startStubUpstream,
} from './recording-upstream.js';
import { startTestNginx, type TestNginx } from './test-nginx.js';

const ENROLLMENT_KEY = 'enrol-through-nginx';
const REGISTRATION: DeviceRegistration = {
  extensionVersion: '0.1.0',
  browser: { name: 'Firefox', version: '128.0' },
  os: 'Linux',
};

let api: TestServer;
let apiTap: RecordingUpstream;
let grafana: RecordingUpstream;
let nginx: TestNginx;
const cleanups: Array<() => Promise<void>> = [];

/** A request through `through` (default: the main nginx), trusting its certificate. */
function https(path: string, opts: ClientOptions = {}, through = nginx): Promise<ClientResult> {
  return send(`${through.httpsUrl}${path}`, { ca: through.ca, ...opts });
}

beforeAll(async () => {
  const databaseUrl = await freshDatabase('nginx_proxy');
  await prepareDatabase(databaseUrl);
  // As compose runs it behind nginx: exactly one trusted proxy.
  api = await startTestServer({
    databaseUrl,
    env: { TRUST_PROXY: '1', ENROLLMENT_KEY },
  });
  cleanups.push(() => api.close());
  apiTap = await startRecordingProxy(api.url);
  cleanups.push(() => apiTap.close());
  // Grafana sends its own X-Frame-Options; nginx must not end up sending two.
  grafana = await startStubUpstream({
    status: 200,
    headers: { 'content-type': 'text/html', 'x-frame-options': 'deny' },
    body: 'grafana',
  });
  cleanups.push(() => grafana.close());
  nginx = await startTestNginx({
    NGINX_API_UPSTREAM: apiTap.address,
    NGINX_GRAFANA_UPSTREAM: grafana.address,
    // The production defaults (.env.example): ordinary use never meets the limit.
    NGINX_API_RATE: '10r/s',
    NGINX_API_BURST: '50',
    NGINX_CONN_PER_CLIENT: '64',
  });
  cleanups.push(() => nginx.stop());
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('nginx in front of the ingest API', () => {
  it('serves the API over TLS 1.3 with the certificate from make-cert.sh', async () => {
    const seen = apiTap.requests.length;
    const res = await https('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.tlsVersion).toBe('TLSv1.3');
    expect((JSON.parse(res.text) as { openapi: string }).openapi).toMatch(/^3\./);
    expect(apiTap.requests.slice(seen).map((r) => r.url)).toEqual(['/api/v1/openapi.json']);
  });

  it('accepts TLS 1.2 with forward secrecy and refuses ciphers without it', async () => {
    const ok = await https('/healthz', { maxVersion: 'TLSv1.2' });
    expect(ok.status).toBe(200);
    expect(ok.tlsVersion).toBe('TLSv1.2');
    await expect(
      https('/healthz', { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256:AES256-SHA' }),
    ).rejects.toThrow(/handshake|alert|cipher/i);
  });

  it('registers a device and stores a gzip batch sent through it', async () => {
    const registered = await https('/api/v1/devices', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-enrollment-key': ENROLLMENT_KEY },
      body: JSON.stringify(REGISTRATION),
    });
    expect(registered.status).toBe(201);
    const { deviceId, token } = DeviceRegisteredSchema.parse(JSON.parse(registered.text));

    const events = [makeEvent(), makeEvent()];
    const sent = await https('/api/v1/events', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: gzipSync(JSON.stringify(makeBatch(events))),
    });
    expect(sent.status).toBe(200);
    expect(IngestResultSchema.parse(JSON.parse(sent.text))).toEqual({
      accepted: 2,
      rejected: [],
      receivedAt: expect.any(String),
    });
    const stored = await api.pool.query<{ id: string }>(
      'SELECT id FROM visits WHERE device_id = $1 ORDER BY id',
      [deviceId],
    );
    expect(stored.rows.map((r) => r.id)).toEqual(events.map((e) => e.id).sort());
  });

  it('streams a device export through its own unbuffered location, headers and all', async () => {
    const registered = await https('/api/v1/devices', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-enrollment-key': ENROLLMENT_KEY },
      body: JSON.stringify(REGISTRATION),
    });
    const { deviceId, token } = DeviceRegisteredSchema.parse(JSON.parse(registered.text));
    const events = [makeEvent(), makeEvent(), makeEvent()];
    const sent = await https('/api/v1/events', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(makeBatch(events)),
    });
    expect(sent.status).toBe(200);

    const seen = apiTap.requests.length;
    const exported = await https('/api/v1/me/export', {
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.9' },
    });
    expect(exported.status).toBe(200);
    expect(exported.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = exported.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; id: string });
    expect(lines[0]).toMatchObject({ type: 'device', id: deviceId });
    expect(
      lines
        .slice(1)
        .map((l) => l.id)
        .sort(),
    ).toEqual(events.map((e) => e.id).sort());
    // The nested location keeps what /api/ sets: proxy headers and the security headers.
    expect(exported.headers['strict-transport-security']).toBeDefined();
    expect(headerCount(exported, 'x-content-type-options')).toBe(1);
    const [request] = apiTap.requests.slice(seen);
    expect(request?.headers).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'https',
      host: 'localhost',
    });
  });

  it('hands the API the client address, never one the client made up', async () => {
    const seen = apiTap.requests.length;
    await https('/api/v1/openapi.json', {
      headers: { 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '203.0.113.9' },
    });
    const [request] = apiTap.requests.slice(seen);
    expect(request?.headers).toMatchObject({
      'x-forwarded-for': '127.0.0.1',
      'x-real-ip': '127.0.0.1',
      'x-forwarded-proto': 'https',
      host: 'localhost',
    });
  });

  it('redirects plain HTTP to HTTPS and never proxies it', async () => {
    const seen = apiTap.requests.length;
    for (const method of ['GET', 'POST']) {
      const res = await send(`${nginx.httpUrl}/api/v1/events`, { method, body: '{}' });
      expect(res.status).toBe(301);
      expect(res.headers.location).toBe('https://localhost/api/v1/events');
    }
    expect(apiTap.requests.length).toBe(seen);
  });

  it('sends each security header once, on API answers and on its own', async () => {
    for (const res of [await https('/api/v1/openapi.json'), await https('/nothing-here')]) {
      expect(res.headers['strict-transport-security']).toMatch(/max-age=(\d{8,})/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
      for (const name of [
        'x-content-type-options',
        'x-frame-options',
        'strict-transport-security',
      ]) {
        expect(headerCount(res, name), name).toBe(1);
      }
      // server_tokens off: no version to look vulnerabilities up by.
      expect(res.headers.server).toBe('nginx');
    }
    expect((await https('/nothing-here')).status).toBe(404);
  });

  it("serves the withdrawal page with the API's own CSP only, and nothing secret in the request", async () => {
    const seen = apiTap.requests.length;
    const res = await https('/withdraw');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    // The API's policy, which allows the page's inline script by its hash; not csp-none.conf's,
    // which would forbid it (two CSP headers are both enforced).
    expect(headerCount(res, 'content-security-policy')).toBe(1);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'sha256-[^']+'/);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    for (const name of ['referrer-policy', 'x-frame-options', 'strict-transport-security']) {
      expect(headerCount(res, name), name).toBe(1);
    }
    expect(res.text).toContain('<button id="erase"');
    // The fragment never leaves the browser: nginx (and its access log) saw the bare path.
    expect(apiTap.requests.slice(seen).map((r) => r.url)).toEqual(['/withdraw']);
  });

  it('proxies /healthz but keeps /readyz and /metrics inside', async () => {
    const seen = apiTap.requests.length;
    const health = await https('/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: 'ok' });
    expect((await https('/metrics')).status).toBe(404);
    expect((await https('/readyz')).status).toBe(404);
    expect(apiTap.requests.slice(seen).map((r) => r.url)).toEqual(['/healthz']);
  });

  it('stops a body larger than the API could accept before it reaches the API', async () => {
    const seen = apiTap.requests.length;
    const tooLarge = await https('/api/v1/events', {
      method: 'POST',
      headers: { authorization: 'Bearer x.y', 'content-type': 'application/json' },
      body: Buffer.alloc(2 * 1024 * 1024, 0x20),
    });
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.text)).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(apiTap.requests.length).toBe(seen);

    // A body at the API's own limit (1 MiB) still goes through: the API answers it.
    const atLimit = await https('/api/v1/events', {
      method: 'POST',
      headers: { authorization: 'Bearer x.y', 'content-type': 'application/json' },
      body: Buffer.alloc(1024 * 1024, 0x20),
    });
    expect(atLimit.status).toBe(401);
    expect(apiTap.requests.length).toBe(seen + 1);
  });

  it('passes /grafana/ on with its path, one X-Frame-Options and WebSocket upgrades', async () => {
    const seen = grafana.requests.length;
    const page = await https('/grafana/d/visits?orgId=1');
    expect(page.status).toBe(200);
    expect(page.text).toBe('grafana');
    expect(headerCount(page, 'x-frame-options')).toBe(1);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['strict-transport-security']).toBeDefined();
    // Grafana writes its own CSP (with script nonces); nginx's JSON-only CSP would break it.
    expect(page.headers['content-security-policy']).toBeUndefined();

    const live = await https('/grafana/api/live/ws', {
      headers: { connection: 'Upgrade', upgrade: 'websocket' },
    });
    expect(live.status).toBe(101);
    const [pageRequest, liveRequest] = grafana.requests.slice(seen);
    expect(pageRequest?.url).toBe('/grafana/d/visits?orgId=1');
    expect(liveRequest?.headers).toMatchObject({ upgrade: 'websocket', connection: 'upgrade' });

    const bare = await https('/grafana');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/grafana/');
  });
});

describe('nginx limits', () => {
  it('answers 429 in the API error format once an address exceeds its rate', async () => {
    const tap = await startRecordingProxy(api.url);
    cleanups.push(() => tap.close());
    // One request a minute plus a burst of three: the fifth request in a row is over.
    const limited = await startTestNginx({
      NGINX_API_UPSTREAM: tap.address,
      NGINX_GRAFANA_UPSTREAM: grafana.address,
      NGINX_API_RATE: '1r/m',
      NGINX_API_BURST: '3',
      NGINX_CONN_PER_CLIENT: '64',
    });
    cleanups.push(() => limited.stop());

    const statuses: number[] = [];
    let last: ClientResult | undefined;
    for (let i = 0; i < 6; i++) {
      last = await https('/api/v1/openapi.json', {}, limited);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect(last?.headers['retry-after']).toBe('1');
    expect(last?.headers['strict-transport-security']).toBeDefined();
    expect(JSON.parse(last?.text ?? '')).toMatchObject({ error: { code: 'rate_limited' } });
    expect(tap.requests.length).toBe(4);
  });

  it('answers 503 with Retry-After in the API error format while the API is down', async () => {
    const down = await startTestNginx({
      NGINX_API_UPSTREAM: `127.0.0.1:${await freePort()}`,
      NGINX_GRAFANA_UPSTREAM: grafana.address,
      NGINX_API_RATE: '10r/s',
      NGINX_API_BURST: '50',
      NGINX_CONN_PER_CLIENT: '64',
    });
    cleanups.push(() => down.stop());
    const res = await https('/api/v1/events', { method: 'POST', body: '{}' }, down);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'unavailable' } });
  });
});
