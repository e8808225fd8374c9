/**
 * Web pages must not be able to read the API's answers or send it JSON with
 * a device token: only extension origins (or the configured list) get CORS
 * headers, and preflights from anywhere else carry none, so browsers block them.
 * A deployment (NODE_ENV=production) must pin the list: the API refuses to start
 * without it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRegistered } from '#protocol';
import { makeBatch, makeEvent, registerDevice } from '../harness/client.js';
import { spawnEntryPoint } from '../harness/process.js';
import { type Stack, startStack } from '../server/modes.js';

const FOREIGN_ORIGINS = [
  'https://evil.example',
  'http://localhost:8080',
  'null',
  'file://',
  'https://chrome-extension.evil.example',
  'chrome-extension://abc@evil.example',
  'chrome-extension://abcdefghijklmnop/path',
  'CHROME-EXTENSION://abcdefghijklmnop',
  'moz-extension://',
];
const EXTENSION_ORIGIN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-expose-headers',
];

function preflight(base: string, path: string, origin: string, method = 'POST'): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization,content-type',
    },
  });
}

function corsHeadersOf(res: Response): string[] {
  return CORS_HEADERS.filter((h) => res.headers.get(h) !== null);
}

describe('CORS', () => {
  let stack: Stack;
  let base: string;
  let device: DeviceRegistered;

  beforeAll(async () => {
    stack = await startStack('embedded');
    base = stack.server.url;
    device = await registerDevice(base);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('gives preflights from non-extension origins no CORS headers on any route', async () => {
    for (const origin of FOREIGN_ORIGINS) {
      for (const [path, method] of [
        ['/api/v1/events', 'POST'],
        ['/api/v1/devices', 'POST'],
        ['/api/v1/me', 'DELETE'],
        ['/api/v1/me/export', 'GET'],
      ] as const) {
        const res = await preflight(base, path, origin, method);
        expect(corsHeadersOf(res), `${origin} ${method} ${path}`).toEqual([]);
      }
    }
  });

  it('gives real requests from non-extension origins no CORS headers', async () => {
    for (const origin of FOREIGN_ORIGINS) {
      const res = await fetch(`${base}/api/v1/me/export`, {
        headers: { origin, authorization: `Bearer ${device.token}` },
      });
      expect(corsHeadersOf(res), origin).toEqual([]);
      const posted = await fetch(`${base}/api/v1/events`, {
        method: 'POST',
        headers: {
          origin,
          authorization: `Bearer ${device.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(makeBatch([makeEvent()])),
      });
      expect(corsHeadersOf(posted), origin).toEqual([]);
    }
  });

  it('never allows credentials or a wildcard, even for an extension origin', async () => {
    const res = await preflight(base, '/api/v1/events', EXTENSION_ORIGIN);
    expect(res.headers.get('access-control-allow-origin')).toBe(EXTENSION_ORIGIN);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/origin/i);
  });

  it('with moz-extension://* listed, admits every Firefox install and nothing else', async () => {
    const pinned = `${EXTENSION_ORIGIN},moz-extension://*`;
    const strict = await startStack('embedded', { CORS_ORIGINS: pinned });
    try {
      for (const origin of [
        EXTENSION_ORIGIN,
        'moz-extension://1b2c3d4e-aaaa-bbbb-cccc-111122223333',
        'moz-extension://0c1d2e3f-1111-2222-3333-444455556666',
      ]) {
        const ok = await preflight(strict.server.url, '/api/v1/events', origin);
        expect(ok.headers.get('access-control-allow-origin'), origin).toBe(origin);
      }
      for (const origin of [
        ...FOREIGN_ORIGINS,
        'chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba',
        'safari-web-extension://1B2C3D4E-AAAA-BBBB-CCCC-111122223333',
        'moz-extension://*',
      ]) {
        const refused = await preflight(strict.server.url, '/api/v1/events', origin);
        expect(corsHeadersOf(refused), origin).toEqual([]);
      }
    } finally {
      await strict.stop();
    }
  });

  it('with CORS_ORIGINS set, refuses other extension origins', async () => {
    const listed = 'moz-extension://1b2c3d4e-aaaa-bbbb-cccc-111122223333';
    const strict = await startStack('embedded', { CORS_ORIGINS: listed });
    try {
      const ok = await preflight(strict.server.url, '/api/v1/events', listed);
      expect(ok.headers.get('access-control-allow-origin')).toBe(listed);
      const other = await preflight(strict.server.url, '/api/v1/events', EXTENSION_ORIGIN);
      expect(corsHeadersOf(other)).toEqual([]);
    } finally {
      await strict.stop();
    }
  });
});

describe('CORS in production (NODE_ENV=production)', () => {
  it('refuses to start the API without CORS_ORIGINS, naming the variable', async () => {
    const api = spawnEntryPoint('server/src/entry-points/api/main.ts', {
      NODE_ENV: 'production',
      CORS_ORIGINS: '',
      HOST: '127.0.0.1',
      PORT: '0',
      // Never reached: the configuration is refused before anything starts.
      DATABASE_URL: 'postgres://tracksphere_app@127.0.0.1:1/none',
    });
    expect(await api.exited).toBe(2);
    expect(api.output()).toMatch(/CORS_ORIGINS: required when NODE_ENV=production/);
  });
});
