/**
 * The cohort metrics the TracksphereCohortSilent alert reads: tracksphere_cohort_open_devices
 * (data-access/cohort-gauge.ts), read from real PostgreSQL at each scrape, lists the cohorts
 * whose study is open with their devices that are not revoked, and never holds a scrape up
 * for long; and the cohort label of
 * tracksphere_cohort_events_accepted_total stays bounded (metrics.ts, cohortLabel).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchOpenCohorts } from '../../server/src/data-access/cohort-gauge.js';
import {
  cohortLabel,
  createMetrics,
  MAX_COHORT_LABELS,
  NO_COHORT,
  OTHER_COHORTS,
} from '../../server/src/metrics.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase, testLogger } from '../harness/server.js';

describe('tracksphere_cohort_open_devices', () => {
  let pool: pg.Pool;

  beforeAll(async () => {
    const url = await freshDatabase('cohort_metrics');
    await prepareDatabase(url);
    pool = new pg.Pool({ connectionString: url, max: 2 });
    // open: 2 devices and a revoked one; later: its study ends next year, no devices yet;
    // ended: its study is over, 1 device.
    await pool.query(
      `INSERT INTO cohorts (name, study_ends_at) VALUES
         ('open', NULL), ('later', now() + interval '1 year'), ('ended', now() - interval '1 day')`,
    );
    const add = async (cohort: string, revoked: boolean): Promise<void> => {
      await pool.query(
        `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os,
           cohort_id, revoked_at)
         VALUES ($1, $2, '1', 'Chrome', '131', 'Linux', (SELECT id FROM cohorts WHERE name = $3),
           CASE WHEN $4 THEN now() END)`,
        [randomUUID(), Buffer.alloc(32, 3), cohort, revoked],
      );
    };
    await add('open', false);
    await add('open', false);
    await add('open', true);
    await add('ended', false);
  });
  afterAll(async () => {
    await pool?.end();
  });

  it('lists open cohorts with their devices not revoked, and reads again at each scrape', async () => {
    const metrics = createMetrics(false);
    watchOpenCohorts(metrics, pool, testLogger());
    const values = async (): Promise<Record<string, number>> => {
      const g = await metrics.registry.getSingleMetric('tracksphere_cohort_open_devices')?.get();
      return Object.fromEntries((g?.values ?? []).map((v) => [String(v.labels.cohort), v.value]));
    };
    expect(await values()).toEqual({ later: 0, open: 2 });
    // The study of "open" ends: it leaves the gauge (so it cannot alert as silent).
    await pool.query(`UPDATE cohorts SET study_ends_at = now() WHERE name = 'open'`);
    expect(await values()).toEqual({ later: 0 });
    expect(await metrics.registry.metrics()).toContain(
      'tracksphere_cohort_open_devices{cohort="later"} 0',
    );
  });

  it('leaves the gauge empty, and the scrape whole, when PostgreSQL does not answer', async () => {
    const down = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', max: 1 });
    const metrics = createMetrics(false);
    watchOpenCohorts(metrics, down, testLogger());
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/tracksphere_cohort_open_devices\{/);
    expect(text).toContain('tracksphere_events_accepted_total 0');
    await down.end();
  });
});

describe('tracksphere_cohort_open_devices on a pool with no connection free', () => {
  it('gives up after 2 s, so the scrape stays within its timeout', async () => {
    const url = await freshDatabase('cohort_metrics_busy');
    await prepareDatabase(url);
    const busy = new pg.Pool({ connectionString: url, max: 1 });
    const held = await busy.connect();
    try {
      const metrics = createMetrics(false);
      watchOpenCohorts(metrics, busy, testLogger());
      const started = Date.now();
      const text = await metrics.registry.metrics();
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(text).not.toMatch(/tracksphere_cohort_open_devices\{/);
    } finally {
      held.release();
      await busy.end();
    }
  });
});

describe('cohortLabel', () => {
  it('names a cohort, (none) for no cohort, and (other) past the cap', () => {
    const metrics = createMetrics(false);
    expect(cohortLabel(metrics, null)).toBe(NO_COHORT);
    for (let i = 0; i < MAX_COHORT_LABELS; i++) {
      expect(cohortLabel(metrics, `c${i}`)).toBe(`c${i}`);
    }
    expect(cohortLabel(metrics, 'one-too-many')).toBe(OTHER_COHORTS);
    // Cohorts already labelled keep their name; another process (registry) has its own cap.
    expect(cohortLabel(metrics, 'c0')).toBe('c0');
    expect(cohortLabel(createMetrics(false), 'one-too-many')).toBe('one-too-many');
  });
});
