import { Gauge } from 'prom-client';
import type { Logger } from '../logger.js';
import { MAX_COHORT_LABELS, type Metrics } from '../metrics.js';
import type { Pool } from './pool.js';

/**
 * tracksphere_cohort_open_devices{cohort}: the devices, not revoked, of each cohort whose study
 * is open (no study end, or one still ahead), read from PostgreSQL when Prometheus scrapes. The
 * alert TracksphereCohortSilent (deploy/prometheus/alerts.yml) compares it with
 * tracksphere_cohort_events_accepted_total: a cohort with open devices that sent nothing for
 * hours. Two small indexed tables (cohorts, devices by cohort_id); at most MAX_COHORT_LABELS
 * cohorts (by name), the bound of the counter's label too. When PostgreSQL does not answer
 * within 2 seconds the gauge is left empty for that scrape (the alert then does not fire on it).
 */
export function watchOpenCohorts(metrics: Metrics, pool: Pool, log: Logger): void {
  new Gauge({
    name: 'tracksphere_cohort_open_devices',
    help: 'Devices (not revoked) of each cohort whose study is open: the cohorts that should be sending',
    labelNames: ['cohort'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer within 2 s')), 2_000);
      });
      const rows = openCohorts(pool);
      try {
        for (const r of await Promise.race([rows, late])) this.set({ cohort: r.name }, r.devices);
      } catch (err) {
        // A busy pool or a database that hangs must not stall the scrape past its timeout
        // (Prometheus would report the whole API down): the query finishes, or fails, later.
        rows.catch(() => undefined);
        log.warn({ err }, 'cohort gauge: PostgreSQL did not answer');
      } finally {
        clearTimeout(timer);
      }
    },
  });
}

async function openCohorts(pool: Pool): Promise<Array<{ name: string; devices: number }>> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query("SET LOCAL statement_timeout = '1s'");
    const res = await client.query<{ name: string; devices: string }>(
      `SELECT c.name, count(d.id) AS devices
       FROM cohorts c
       LEFT JOIN devices d ON d.cohort_id = c.id AND d.revoked_at IS NULL
       WHERE c.study_ends_at IS NULL OR c.study_ends_at > now()
       GROUP BY c.name
       ORDER BY c.name
       LIMIT $1`,
      [MAX_COHORT_LABELS],
    );
    await client.query('COMMIT');
    return res.rows.map((r) => ({ name: r.name, devices: Number(r.devices) }));
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
