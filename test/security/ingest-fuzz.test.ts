/**
 * Property-based fuzzing of POST /api/v1/events (issue 8): 10,000 generated
 * requests over keep-alive sockets against the embedded-mode server, each
 * checked against an oracle worked out from the contract, and a model of
 * which event ids the server accepted checked against the visits table.
 *
 * Requests run concurrently, so the cases are drawn up front with fc.sample
 * from a printed seed instead of through fc.assert (which runs one at a time
 * and would take minutes). A failure prints the seed and the case; rerun with
 * FUZZ_SEED=<seed> to get the same requests.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDevice, request } from '../harness/client.js';
import { type Stack, startStack } from '../server/modes.js';
import { buildRequest, type FuzzDevice } from './fuzz/build-request.js';
import { Ledger } from './fuzz/ledger.js';
import { expectedAnswer } from './fuzz/oracle.js';
import { type RawClient, rawClient } from './fuzz/raw-client.js';
import { type RequestCase, requestCaseArb } from './fuzz/request-cases.js';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const DEVICES = 4;
const CONCURRENCY = 6;
/** No request may take longer: a hang is a failure, not a slow test. */
const ANSWER_TIMEOUT_MS = 15_000;

function describeCase(c: RequestCase, index: number): string {
  const events = c.events.map((e) => e.what).join(', ');
  return `seed ${SEED}, case ${index}: auth=${c.auth} type=${c.contentType} encoding=${c.encoding} envelope=${c.envelope} body=${c.body} skew=${c.clockSkewMs} events(${c.events.length})=[${events.slice(0, 500)}]`;
}

describe('ingest API under fuzzed requests (embedded mode)', () => {
  let stack: Stack;
  let client: RawClient;
  let devices: FuzzDevice[];
  const ledger = new Ledger();

  beforeAll(async () => {
    stack = await startStack('embedded', {
      RATE_LIMIT_DEVICE_PER_MINUTE: '1000000',
      RATE_LIMIT_IP_PER_MINUTE: '1000000',
      // Thousands of requests from four devices: no storage quota in the way.
      QUOTA_ROWS_PER_DEVICE_DAY: '1000000000',
      QUOTA_BYTES_PER_DEVICE_DAY: '1000000000000',
    });
    devices = [];
    for (let i = 0; i < DEVICES; i++) devices.push(await registerDevice(stack.server.url));
    client = rawClient(stack.server.url, CONCURRENCY, ANSWER_TIMEOUT_MS);
  });
  afterAll(async () => {
    client?.close();
    await stack?.stop();
  });

  it(`answers ${REQUESTS} generated requests as documented and stores exactly the accepted events`, async () => {
    const cases = fc.sample(requestCaseArb(DEVICES), { numRuns: REQUESTS, seed: SEED });
    let next = 0;
    let failure: Error | null = null;
    const worker = async (): Promise<void> => {
      while (failure === null && next < cases.length) {
        const index = next++;
        const c = cases[index] as RequestCase;
        const built = buildRequest(c, devices, (d) => ledger.earlierEvent(d, index));
        const expected = expectedAnswer(built);
        const intents =
          c.envelope === 'ok' && (c.body === 'json' || c.body === 'deep-nesting')
            ? c.events.map((e) => e.intent)
            : [];
        const sentMs = Date.now();
        try {
          const res = await client.send(built.request);
          ledger.record(c.device, built, expected, intents, res, sentMs, Date.now());
        } catch (err) {
          failure ??= new Error(`${describeCase(c, index)}\n${String(err)}`, { cause: err });
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    if (failure !== null) throw failure;
    const t = ledger.tally;
    console.log(
      `ingest fuzz (seed ${SEED}): ${t.requests} requests in ${Date.now() - started} ms, ` +
        `statuses ${JSON.stringify(t.byStatus)}; ${t.eventsChecked} events checked ` +
        `(${t.eventsAccepted} accepted, ${t.eventsRejected} rejected, ` +
        `${t.intentsConfirmed} generator intents confirmed); ${ledger.accepted.size} distinct ids accepted`,
    );
    expect(t.requests).toBe(REQUESTS);

    // The store holds exactly the union of accepted ids, each once, and nothing else.
    const rows = await stack.server.pool.query<{ id: string; n: number; device_id: string }>(
      `SELECT id::text, device_id::text, count(*)::int AS n FROM visits
        WHERE device_id = ANY($1::uuid[]) GROUP BY id, device_id`,
      [devices.map((d) => d.deviceId)],
    );
    const stored = new Map(rows.rows.map((r) => [r.id, r]));
    expect(rows.rows.filter((r) => r.n !== 1)).toEqual([]);
    expect([...stored.keys()].sort()).toEqual([...ledger.accepted.keys()].sort());
    for (const [id, device] of ledger.accepted) {
      expect(stored.get(id)?.device_id).toBe(devices[device]?.deviceId);
    }
    const leaked = await stack.server.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM visits WHERE id = ANY($1::uuid[])',
      [ledger.neverAccepted()],
    );
    expect(leaked.rows[0]?.n).toBe(0);

    // Still up and still serving.
    expect((await request(`${stack.server.url}/healthz`)).status).toBe(200);
    expect((await request(`${stack.server.url}/readyz`)).status).toBe(200);
  }, 240_000);
});
