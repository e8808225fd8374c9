/**
 * /metrics counts each request under the route that handled it, errors
 * included: a 400 or 401 of POST /api/v1/events under "/api/v1/events/" (it
 * was "/", read after the error had left the router), a refusal of the export
 * under "/api/v1/me/export", and a request no route matched under "unmatched".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDevice, request } from '../harness/client.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase, startTestServer, type TestServer } from '../harness/server.js';

function requestsCounted(metricsText: string, method: string, route: string, status: number) {
  const line = metricsText
    .split('\n')
    .find((l) =>
      l.startsWith(
        `tracksphere_http_requests_total{method="${method}",route="${route}",status="${status}"}`,
      ),
    );
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('/metrics route labels', () => {
  let server: TestServer;

  beforeAll(async () => {
    const databaseUrl = await freshDatabase('metrics_routes');
    await prepareDatabase(databaseUrl);
    server = await startTestServer({ databaseUrl });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('counts 400s, 401s and 404s of /api/v1/events and the export under the right route', async () => {
    const base = server.url;
    const device = await registerDevice(base);
    const auth = { authorization: `Bearer ${device.token}` };
    const json = { 'content-type': 'application/json' };

    const invalidJson = await request(`${base}/api/v1/events`, {
      method: 'POST',
      headers: { ...auth, ...json },
      body: '{"batchId":',
    });
    expect(invalidJson.status).toBe(400);
    const invalidBatch = await request(`${base}/api/v1/events`, {
      method: 'POST',
      headers: { ...auth, ...json },
      body: '{}',
    });
    expect(invalidBatch.status).toBe(400);
    const noToken = await request(`${base}/api/v1/events`, {
      method: 'POST',
      headers: json,
      body: '{}',
    });
    expect(noToken.status).toBe(401);
    // No GET route on /api/v1/events, and no route below it.
    expect((await request(`${base}/api/v1/events`, { headers: auth })).status).toBe(404);
    expect(
      (await request(`${base}/api/v1/events/elsewhere`, { method: 'POST', headers: auth })).status,
    ).toBe(404);
    expect((await request(`${base}/api/v1/me/export`)).status).toBe(401);

    const text = (await request<string>(`${base}/metrics`)).text;
    expect(requestsCounted(text, 'POST', '/api/v1/events/', 400)).toBe(2);
    expect(requestsCounted(text, 'POST', '/api/v1/events/', 401)).toBe(1);
    expect(requestsCounted(text, 'GET', 'unmatched', 404)).toBe(1);
    expect(requestsCounted(text, 'POST', 'unmatched', 404)).toBe(1);
    expect(requestsCounted(text, 'GET', '/api/v1/me/export', 401)).toBe(1);
    // Nothing under the app's root: every error above was counted under its own route.
    expect(text).not.toMatch(/tracksphere_http_requests_total\{[^}]*route="\/"/);
    expect(text).toMatch(
      /tracksphere_http_request_duration_seconds_count\{route="\/api\/v1\/events\/"\} 3/,
    );
  });

  it('counts a path spelled in other cases under its route: no label per spelling', async () => {
    const base = server.url;
    // Express matches paths whatever their case; a label taken from the spelling would let
    // anyone without a token add series to /metrics for good.
    const spellings = ['/api/V1/events', '/API/v1/Events', '/api/v1/EVENTS', '/Api/V1/eVeNtS'];
    for (const path of spellings) {
      const res = await request(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(401);
    }
    const text = (await request<string>(`${base}/metrics`)).text;
    const routes = new Set(
      [...text.matchAll(/tracksphere_http_requests_total\{[^}]*route="([^"]*)"/g)].map((m) => m[1]),
    );
    expect([...routes].filter((r) => r?.toLowerCase() !== r)).toEqual([]);
    expect(requestsCounted(text, 'POST', '/api/v1/events/', 401)).toBe(1 + spellings.length);
  });
});
