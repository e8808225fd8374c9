/**
 * Monitoring: promtool checks deploy/prometheus's config and alert rules and runs the rules'
 * tests (alerts.test.yml); then Debian's real Prometheus, on the repo's config, scrapes a real
 * API (Kafka mode, real PostgreSQL, the librdkafka mock cluster) and a real consumer process,
 * and its query API returns the counters the Pipeline health panels and the alerts read: after
 * one rejected event, one dead letter and one quota refusal, each counter is 1; the dead letter
 * fires TracksphereDeadLetters; and every Prometheus panel's PromQL runs on it. The same
 * rejected event and dead letter are counted per device in PostgreSQL (the Devices dashboard).
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '#protocol';
import { allDashboards } from '../../grafana/src/all-dashboards.js';
import { promQueries } from '../grafana/dashboard-queries.js';
import { runAdmin } from '../harness/admin-cli.js';
import { makeBatch, makeEvent, postEvents, registerDevice, waitFor } from '../harness/client.js';
import { type ServerProcess, spawnEntryPoint } from '../harness/process.js';
import { kafkaEnv, testKafkaSettings } from '../harness/server.js';
import { type KafkaStack, startKafkaStack } from '../server/modes.js';
import {
  promtool,
  type RunningPrometheus,
  startPrometheus,
  testConfig,
} from './prometheus-process.js';

describe('promtool on deploy/prometheus', () => {
  it('accepts the config and the rules it loads', async () => {
    const config = await promtool(['check', 'config', 'prometheus.yml']);
    expect(config.code, config.stdout + config.stderr).toBe(0);
    expect(config.stdout).toMatch(/SUCCESS: 1 rule files found/);
    const rules = await promtool(['check', 'rules', 'alerts.yml']);
    expect(rules.code, rules.stdout + rules.stderr).toBe(0);
    expect(rules.stdout).toMatch(/SUCCESS: 5 rules found/);
  });

  it('passes the rules tests: each alert fires on its series and not on the others', async () => {
    const run = await promtool(['test', 'rules', 'alerts.test.yml']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/SUCCESS/);
  });
});

/** One value of an instant query, summed over its series (0 when there is none). */
async function sumOf(prometheus: RunningPrometheus, promql: string): Promise<number> {
  const result = await prometheus.query(promql);
  return result.reduce((sum, r) => sum + Number(r.value[1]), 0);
}

describe('Prometheus scraping the API and the consumer', () => {
  let stack: KafkaStack;
  let consumer: ServerProcess | undefined;
  let prometheus: RunningPrometheus | undefined;
  let apiAddress: string;

  beforeAll(async () => {
    // A daily quota of 3 rows, so a batch of 4 is refused.
    stack = await startKafkaStack(
      { QUOTA_ROWS_PER_DEVICE_DAY: '3' },
      { consumer: false, prefix: 'prometheus' },
    );
    apiAddress = new URL(stack.server.url).host;
    consumer = spawnEntryPoint('server/src/entry-points/consumer/main.ts', {
      DATABASE_URL: stack.databaseUrl,
      CONSUMER_PORT: '0',
      HOST: '127.0.0.1',
      ...kafkaEnv(testKafkaSettings(stack.kafka.brokers)),
    });
    await consumer.waitForOutput(/consumer running/);
    const ops = /"ops":\{"host":"([^"]+)","port":(\d+)\}/.exec(consumer.output());
    if (ops === null) throw new Error(`no ops address in:\n${consumer.output()}`);
    const consumerAddress = `${ops[1]}:${ops[2]}`;
    prometheus = await startPrometheus((self) =>
      testConfig(
        { 'tracksphere-api': [apiAddress], 'tracksphere-consumer': [consumerAddress] },
        self,
      ),
    );
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await consumer?.kill('SIGTERM');
    await stack?.stop();
  });

  it('scrapes both, as up targets of their jobs', async () => {
    const p = prometheus as RunningPrometheus;
    await waitFor(
      async () =>
        (await sumOf(p, 'up{job="tracksphere-api"}')) === 1 &&
        (await sumOf(p, 'up{job="tracksphere-consumer"}')) === 1,
      'both targets up',
      30_000,
    );
    // The consumer's dead-letter series exist from the start, at 0: increase() sees the first.
    expect(await sumOf(p, 'tracksphere_consumer_dead_letters_total')).toBe(0);
  });

  it('reads 1 rejected event, 1 dead letter and 1 quota refusal, and events by cohort', async () => {
    const p = prometheus as RunningPrometheus;
    const codes = await runAdmin(['codes', 'create', '--cohort', 'pilot', '--json'], {
      DATABASE_URL: stack.databaseUrl,
    });
    expect(codes.code, codes.stderr).toBe(0);
    const code = (JSON.parse(codes.stdout) as { codes: Array<{ code: string }> }).codes[0]?.code;
    const device = await registerDevice(stack.server.url, { enrollmentKey: code ?? '' });

    // Two valid events and one invalid: 2 accepted (of the quota's 3), 1 rejected.
    const bad = { ...makeEvent(), activeMs: 'ten seconds' };
    const sent = await postEvents<IngestResult>(
      stack.server.url,
      device.token,
      makeBatch([makeEvent(), bad, makeEvent()]),
    );
    expect(sent.status).toBe(200);
    expect(sent.body.rejected).toHaveLength(1);
    // Two more would pass the day's 3 rows: refused whole.
    const refused = await postEvents(
      stack.server.url,
      device.token,
      makeBatch([makeEvent(), makeEvent()]),
    );
    expect(refused.status).toBe(429);
    // A message that is not a visit record: the consumer dead-letters it.
    const producer = new Kafka({
      clientId: 'test-poison',
      brokers: stack.kafka.brokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await producer.send({
      topic: 'visits.v1',
      messages: [{ key: device.deviceId, value: 'not a visit record' }],
    });
    await producer.disconnect();

    const expected: Array<[string, number]> = [
      ['tracksphere_events_rejected_total{code="invalid_event"}', 1],
      ['tracksphere_consumer_dead_letters_total{cause="undecodable"}', 1],
      ['tracksphere_quota_refusals_total', 1],
      ['tracksphere_cohort_events_accepted_total{cohort="pilot"}', 2],
      ['tracksphere_cohort_open_devices{cohort="pilot"}', 1],
    ];
    await waitFor(
      async () => {
        for (const [q, v] of expected) if ((await sumOf(p, q)) !== v) return false;
        return true;
      },
      'the counters in Prometheus',
      30_000,
    ).catch(async (err: Error) => {
      const got = await Promise.all(expected.map(async ([q]) => `${q} = ${await sumOf(p, q)}`));
      throw new Error(`${err.message}:\n${got.join('\n')}`);
    });
    // Per job: the API counts what it refused, the consumer what it dead-lettered.
    expect(await sumOf(p, 'tracksphere_events_rejected_total{job="tracksphere-api"}')).toBe(1);
    expect(
      await sumOf(p, 'tracksphere_consumer_dead_letters_total{job="tracksphere-consumer"}'),
    ).toBe(1);

    // The rules run on the scraped series: the dead letter fires its alert (no `for`).
    await waitFor(
      async () =>
        (await sumOf(p, 'ALERTS{alertname="TracksphereDeadLetters",alertstate="firing"}')) === 1,
      'TracksphereDeadLetters firing',
      30_000,
    );
    // Per device, for the Devices dashboard: the API's rejected event, the consumer's dead
    // letter (keyed by the device's id).
    await waitFor(
      async () => {
        const r = await stack.server.pool.query<{ rejected: string; dead_lettered: string }>(
          'SELECT rejected, dead_lettered FROM device_pipeline_days WHERE device_id = $1',
          [device.deviceId],
        );
        return r.rows[0]?.rejected === '1' && r.rows[0]?.dead_lettered === '1';
      },
      'the per-device counts',
      10_000,
    );
    const alerts = await p.query('ALERTS{alertstate="firing"}');
    expect(alerts.map((a) => a.metric.alertname)).toEqual(['TracksphereDeadLetters']);
    expect(alerts[0]?.metric).toMatchObject({ cause: 'undecodable', severity: 'warning' });
  }, 120_000);

  it("runs every Prometheus panel's query without an error", async () => {
    const p = prometheus as RunningPrometheus;
    const queries = allDashboards().flatMap((g) => promQueries(g.dashboard));
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) {
      // What Grafana puts for $__rate_interval: at least four scrape intervals.
      const promql = q.expr.replaceAll('$__rate_interval', '4s');
      await expect(p.queryRange(promql, 60), `${q.panelTitle}: ${promql}`).resolves.toBeDefined();
    }
    // The panels' increase() and rate() see the first rejected event and dead letter: every
    // code and cause is exported at 0 from the start.
    const rejected = await p.query(
      'sum by (code) (increase(tracksphere_events_rejected_total[10m])) > 0',
    );
    expect(rejected.map((r) => r.metric.code)).toEqual(['invalid_event']);
    const deadLetters = await p.query(
      'sum by (cause) (increase(tracksphere_consumer_dead_letters_total[10m])) > 0',
    );
    expect(deadLetters.map((r) => r.metric.cause)).toEqual(['undecodable']);
  });
});
