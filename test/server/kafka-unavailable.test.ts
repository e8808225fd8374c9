/** With Kafka unreachable the API answers 503 with Retry-After and never 2xx. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '#protocol';
import { makeBatch, makeEvent, postEvents, registerDevice, request } from '../harness/client.js';
import type { MockKafka } from '../harness/kafka-mock.js';
import type { TestServer } from '../harness/server.js';
import { type KafkaStack, startKafkaStack } from './modes.js';

describe('Kafka unreachable', () => {
  let stack: KafkaStack;
  let kafka: MockKafka;
  let server: TestServer;

  beforeAll(async () => {
    stack = await startKafkaStack({}, { consumer: false, prefix: 'kafka_down' });
    ({ kafka, server } = stack);
  });
  afterAll(async () => {
    // The test stops Kafka itself; stopping the mock twice is harmless.
    await stack?.stop();
  });

  it('answers 503 unavailable with Retry-After, and /readyz names Kafka', async () => {
    const device = await registerDevice(server.url);
    const before = await postEvents(server.url, device.token, makeBatch([makeEvent()]));
    expect(before.status).toBe(200);

    await kafka.stop();
    for (let i = 0; i < 3; i++) {
      const res = await postEvents<ErrorBody>(
        server.url,
        device.token,
        makeBatch([makeEvent(), makeEvent()]),
      );
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('unavailable');
      expect(res.body.error.message).toMatch(/nothing from this request was accepted/);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const ready = await request<ErrorBody>(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.error.message).toContain('kafka');
    // Liveness is not readiness: the process is still up.
    expect((await request(`${server.url}/healthz`)).status).toBe(200);
  }, 60_000);
});
