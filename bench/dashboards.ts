/**
 * Dashboards at study scale (issue 19); only when named: `BENCH_ONLY=dashboards npm run bench`.
 *
 * Seeds BENCH_DASHBOARD_VISITS (3,000,000) visits over the last 90 days from BENCH_DASHBOARD_DEVICES
 * (1,000) devices in two cohorts on 2,000 domains of Zipf-like popularity, one INSERT ... SELECT
 * from generate_series per day, with visits' secondary indexes dropped and the rollup's insert
 * triggers off (seeding is not measured); visit_rollup and the dashboard rollups are then filled
 * with one INSERT ... SELECT each of the triggers' sums, the indexes made again, and VACUUM ANALYZE run. Then every provisioned panel's SQL, expanded the way
 * Grafana expands it with every variable on All, runs as its datasource's role (grafana_reader,
 * grafana_study_reader) for the last 24 hours, 7 days and 90 days, BENCH_ROUNDS times in a row;
 * the median is printed per panel and range, with the slowest ones and the count over 1 s.
 * The panels are those provisioned: grafana/dashboards/ and grafana/study-dashboards/ (the
 * generated JSON). BENCH_DASHBOARD_BEFORE=<dir> holding an older copy of those two folders times
 * its panels too, in the same run, each query right before the current one, e.g.
 *   mkdir /tmp/before && git archive <commit> grafana | tar -x -C /tmp/before
 *   BENCH_ONLY=dashboards BENCH_DASHBOARD_BEFORE=/tmp/before/grafana npm run bench
 * BENCH_DASHBOARD_URL=<database URL> times an already seeded database instead of seeding one
 * (BENCH_DASHBOARD_VISITS and _DEVICES then only label the table).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dashboard } from '@grafana/schema';
import pg from 'pg';
import { STUDY_DATASOURCE } from '../grafana/src/datasource.js';
import { maintainPartitions } from '../server/src/data-access/partitions.js';
import { createPool } from '../server/src/data-access/pool.js';
import { expandQuery, panelQueries, runQuery } from '../test/grafana/dashboard-queries.js';
import { fillDashboardRollups } from '../test/harness/dashboard-rollup-sql.js';
import { fillPageReceiptRollups } from '../test/harness/page-receipt-rollup-sql.js';
import { startPgCluster } from '../test/harness/postgres.js';
import { prepareDatabase, testLogger } from '../test/harness/server.js';
import { median } from './lib.js';

const log = (m: string) => process.stderr.write(`[bench dashboards] ${m}\n`);
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const DAY_MS = 86_400_000;
const GRAFANA_DIR = fileURLToPath(new URL('../grafana/', import.meta.url));

/**
 * The provisioned dashboards: the generated JSON under `root`/dashboards and
 * `root`/study-dashboards (grafana/ itself, or an older copy to compare with).
 */
async function provisioned(root: string): Promise<Dashboard[]> {
  const out: Dashboard[] = [];
  for (const dir of ['dashboards', 'study-dashboards']) {
    for (const f of (await readdir(join(root, dir))).filter((n) => n.endsWith('.json')).sort()) {
      out.push(JSON.parse(await readFile(join(root, dir, f), 'utf8')) as Dashboard);
    }
  }
  return out;
}

/** Ranges as a dashboard shows them, with the interval Grafana picks for ~1,000 points. */
const RANGES = [
  { name: '24h', ms: DAY_MS, intervalMs: 60_000 },
  { name: '7d', ms: 7 * DAY_MS, intervalMs: 600_000 },
  { name: '90d', ms: 90 * DAY_MS, intervalMs: 7_200_000 },
] as const;

export async function seed(url: string, visits: number, devices: number): Promise<void> {
  const pool = createPool(url, 1, testLogger('bench-dashboards'));
  try {
    await maintainPartitions(pool, {
      now: new Date(),
      monthsAhead: 1,
      monthsBack: 4,
      retentionDays: 395,
    });
  } finally {
    await pool.end();
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`INSERT INTO cohorts (name) VALUES ('study-a'), ('study-b')`);
    await c.query(
      `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os,
         ua_browser_name, ua_os_name, ua_device_type, cohort_id)
       SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, '\\x00', '1.0.0',
              (ARRAY['Chrome','Firefox','Edge','Safari'])[1 + n % 4], '1', 'Linux',
              (ARRAY['Chrome','Firefox','Edge','Mobile Safari'])[1 + n % 4], 'Linux', 'desktop',
              (SELECT min(id) FROM cohorts) + n % 2
         FROM generate_series(1, $1::int) n`,
      [devices],
    );
    // Fast path (seeding is not measured): visits' secondary indexes and the rollup's insert
    // trigger are off while the rows go in; then the rollup is filled as the migration fills it
    // (one INSERT ... SELECT of the same sums) and the indexes are made again as they were.
    const indexes = await c.query<{ name: string; def: string }>(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes
        WHERE schemaname = 'public' AND tablename = 'visits' AND indexname NOT LIKE '%pkey'`,
    );
    for (const i of indexes.rows) await c.query(`DROP INDEX ${i.name}`);
    await c.query('ALTER TABLE visits DISABLE TRIGGER visits_rollup_insert');
    await c.query('ALTER TABLE visits DISABLE TRIGGER visits_dashboard_rollups_insert');
    await c.query('ALTER TABLE visits DISABLE TRIGGER visits_receipt_insert');
    await c.query('ALTER TABLE visits DISABLE TRIGGER visits_pages_receipts_insert');
    const perDay = Math.ceil(visits / 90);
    const t0 = performance.now();
    for (let day = 90; day >= 1; day--) {
      // Each device is active in a 3-hour window of its own each day (people browse in
      // stretches); half of its visits go to sites of its own (40 of them), half to the shared
      // popular ones. 1 device in 50 has a clock 90 s behind.
      await c.query(
        `INSERT INTO visits (id, started_at, ended_at, device_id, session_id, batch_id, url, domain,
           title, active_ms, transition, started_at_corrected, ended_at_corrected, clock_skew_ms,
           received_at, written_at, browser_name, browser_version, os_name, os_version, device_type)
         SELECT gen_random_uuid(), s - skew, s - skew + dur, dev,
                md5(dev::text || date_trunc('hour', s)::text)::uuid, gen_random_uuid(),
                'https://' || dom || '/p/' || (g % 997), dom, 'Page ' || (g % 997),
                (extract(epoch FROM dur) * 800)::bigint, 'link', s, s + dur,
                (extract(epoch FROM skew) * 1000)::bigint, s + dur + interval '40 s',
                s + dur + interval '41 s', 'Chrome', '131', 'Linux', NULL, 'desktop'
           FROM (SELECT g, now() - $1::int * interval '1 day'
                             + ((d * 7 + $1::int) % 21) * interval '1 hour'
                             + random() * interval '3 hours' AS s,
                        (1 + random() * 600) * interval '1 s' AS dur,
                        ('00000000-0000-4000-8000-' || lpad(d::text, 12, '0'))::uuid AS dev,
                        CASE WHEN d % 50 = 0 THEN interval '90 s' ELSE interval '0' END AS skew,
                        'site' || CASE WHEN random() < 0.5
                                       THEN floor(2000 * power(random(), 4))::int
                                       ELSE (d * 37 + floor(40 * power(random(), 2))::int) % 2000
                                  END || '.example' AS dom
                   FROM generate_series(1, $2::int) g,
                        LATERAL (SELECT 1 + floor(random() * $3::int)::int + g * 0 AS d) x) v`,
        [day, perDay, devices],
      );
      if (day % 15 === 0) log(`seeded ${(91 - day) * perDay} visits`);
    }
    await c.query('ALTER TABLE visits ENABLE TRIGGER visits_rollup_insert');
    await c.query('ALTER TABLE visits ENABLE TRIGGER visits_dashboard_rollups_insert');
    await c.query('ALTER TABLE visits ENABLE TRIGGER visits_receipt_insert');
    await c.query('ALTER TABLE visits ENABLE TRIGGER visits_pages_receipts_insert');
    await c.query(
      `INSERT INTO visit_rollup (hour, device_id, domain, active_ms, visits)
       SELECT date_trunc('hour', started_at, 'UTC'), device_id, domain, sum(active_ms), count(*)
         FROM visits GROUP BY 1, 2, 3`,
    );
    // The writer keeps the days with the hours (visit_rollup_add); the Study views read them.
    await c.query(
      `INSERT INTO visit_rollup_days (device_id, day, domain, active_ms, visits)
       SELECT device_id, (hour AT TIME ZONE 'UTC')::date, domain, sum(active_ms)::bigint,
              sum(visits)::bigint
         FROM visit_rollup GROUP BY 1, 2, 3`,
    );
    await fillDashboardRollups(c);
    await fillPageReceiptRollups(c);
    // The writer lists the days it changes and its fold timer makes their Study rows again
    // (migration study-day-cache); seeding lists every day (filling visit_device_hours).
    await c.query(
      `INSERT INTO study_dirty_days (day)
       SELECT DISTINCT (hour AT TIME ZONE 'UTC')::date FROM visit_device_hours`,
    );
    await c.query('SELECT study_days_refresh()');
    // pg_indexes gives a partitioned table's index as `ON ONLY`, which makes only the parent's
    // (invalid) index and none on the partitions: every visits read would be a sequential scan.
    for (const i of indexes.rows) await c.query(i.def.replace(' ON ONLY ', ' ON '));
    const invalid = await c.query(
      `SELECT indexrelid::regclass::text AS name FROM pg_index
        WHERE NOT indisvalid AND indrelid = 'visits'::regclass`,
    );
    if (invalid.rows.length > 0) {
      throw new Error(`visits indexes not on every partition: ${JSON.stringify(invalid.rows)}`);
    }
    log(`seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s; VACUUM ANALYZE`);
    await c.query('VACUUM ANALYZE');
    const n = await c.query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM visits) AS visits, (SELECT count(*) FROM visit_rollup) AS rollup,
              (SELECT count(*) FROM visit_device_hours) AS device_hours,
              (SELECT count(*) FROM visit_domain_days) AS domain_days,
              (SELECT count(*) FROM visit_domain_hours) AS domain_hours,
              (SELECT count(*) FROM visit_sessions) AS sessions,
              (SELECT count(*) FROM visit_rollup_days) AS rollup_days,
              (SELECT count(*) FROM visit_receipt_hours) AS receipt_hours,
              (SELECT count(*) FROM visit_device_receipt_hours) AS device_receipts,
              (SELECT count(*) FROM visit_page_days) AS page_days,
              (SELECT count(*) FROM visit_page_months) AS page_months`,
    );
    const k = n.rows[0];
    log(
      `${k?.visits} visits, ${k?.rollup} visit_rollup rows, ${k?.device_hours} visit_device_hours, ` +
        `${k?.domain_days} visit_domain_days, ${k?.domain_hours} visit_domain_hours, ` +
        `${k?.sessions} visit_sessions, ${k?.rollup_days} visit_rollup_days, ` +
        `${k?.receipt_hours} visit_receipt_hours, ${k?.device_receipts} visit_device_receipt_hours, ` +
        `${k?.page_days} visit_page_days, ${k?.page_months} visit_page_months`,
    );
  } finally {
    await c.end();
  }
}

/**
 * Runs `client`'s queries as `role` with the settings a login of the role gets (ALTER ROLE ...
 * SET, e.g. jit from migration grafana-jit-off): SET ROLE alone keeps the session's own.
 */
async function actAs(client: pg.Client, role: string): Promise<void> {
  await client.query(`SET ROLE ${role}`);
  await client.query(
    `SELECT set_config(split_part(c, '=', 1), substr(c, strpos(c, '=') + 1), false)
       FROM pg_db_role_setting s, unnest(s.setconfig) c
      WHERE s.setrole = $1::regrole
        AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))`,
    [role],
  );
}

interface Timing {
  /** 'now' (grafana/), or 'before' (the BENCH_DASHBOARD_BEFORE copy). */
  set: string;
  panel: string;
  range: string;
  ms: number;
  rows: number;
}

interface PanelRun {
  set: string;
  dashboard: Dashboard;
  q: ReturnType<typeof panelQueries>[number];
}

/** Every panel query of each set, by panel name (dashboard uid/title). */
async function panelRuns(): Promise<Map<string, PanelRun[]>> {
  const sets: Array<[string, string]> = [['now', GRAFANA_DIR]];
  const before = process.env.BENCH_DASHBOARD_BEFORE;
  if (before !== undefined && before !== '') sets.unshift(['before', before]);
  const byPanel = new Map<string, PanelRun[]>();
  for (const [set, root] of sets) {
    for (const dashboard of await provisioned(root)) {
      for (const q of panelQueries(dashboard)) {
        const key = `${q.dashboardUid}/${q.panelTitle}${q.refId === 'A' ? '' : ` (${q.refId})`}`;
        byPanel.set(key, [...(byPanel.get(key) ?? []), { set, dashboard, q }]);
      }
    }
  }
  return byPanel;
}

export async function runDashboardBench(rounds: number): Promise<Timing[]> {
  const visits = num('BENCH_DASHBOARD_VISITS', 3_000_000);
  const devices = num('BENCH_DASHBOARD_DEVICES', 1_000);
  const runs = await panelRuns();
  // BENCH_DASHBOARD_URL: a database seeded before (e.g. kept from an earlier run), migrated to
  // this tree and timed as it is, to compare a panel's change on the same data without seeding.
  const given = process.env.BENCH_DASHBOARD_URL;
  const cluster = given === undefined || given === '' ? await startPgCluster() : null;
  const timings: Timing[] = [];
  try {
    const url =
      cluster === null ? (given as string) : await cluster.createDatabase('bench_dashboards');
    await prepareDatabase(url);
    if (cluster !== null) {
      log(`seeding ${visits} visits, ${devices} devices`);
      await seed(url, visits, devices);
    }
    const reader = new pg.Client({ connectionString: url });
    const study = new pg.Client({ connectionString: url });
    await reader.connect();
    await study.connect();
    await actAs(reader, 'grafana_reader');
    await actAs(study, 'grafana_study_reader');
    try {
      const to = new Date();
      // Per panel and range, each set in turn (before, then now): same data, same cache.
      for (const [panel, sets] of runs) {
        for (const r of RANGES) {
          for (const { set, dashboard, q } of sets) {
            const client = q.datasourceUid === STUDY_DATASOURCE.uid ? study : reader;
            const sql = expandQuery(q.rawSql, dashboard, {
              from: new Date(to.getTime() - r.ms),
              to,
              intervalMs: r.intervalMs,
            });
            const times: number[] = [];
            let rows = 0;
            for (let i = 0; i < rounds; i++) {
              const t0 = performance.now();
              rows = (await runQuery(client, sql, q.format)).rows.length;
              times.push(performance.now() - t0);
            }
            timings.push({ set, panel, range: r.name, ms: median(times), rows });
            log(`${set} ${panel} ${r.name}: ${median(times).toFixed(0)} ms, ${rows} rows`);
          }
        }
      }
    } finally {
      await reader.end();
      await study.end();
    }
  } finally {
    await cluster?.destroy();
  }
  printTable(timings, visits, devices, rounds);
  return timings;
}

function printTable(timings: Timing[], visits: number, devices: number, rounds: number): void {
  const panels = [...new Set(timings.map((t) => t.panel))];
  const sets = [...new Set(timings.map((t) => t.set))];
  const ms = (s: string, p: string, r: string) =>
    timings.find((t) => t.set === s && t.panel === p && t.range === r)?.ms.toFixed(0) ?? '-';
  const width = Math.max(...panels.map((p) => p.length));
  const cols = sets.flatMap((s) => RANGES.map((r) => ({ s, r: r.name })));
  const lines = [
    `Dashboards at study scale: ${visits} visits, ${devices} devices, 90 days; median of ${rounds} run(s), ms`,
    `${'panel'.padEnd(width)}  ${cols.map((c) => `${sets.length > 1 ? `${c.s} ` : ''}${c.r}`.padStart(11)).join('')}`,
    ...panels.map(
      (p) => `${p.padEnd(width)}  ${cols.map((c) => ms(c.s, p, c.r).padStart(11)).join('')}`,
    ),
    '',
    'slowest:',
    ...[...timings]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 10)
      .map((t) => `  ${t.ms.toFixed(0).padStart(7)} ms  ${t.set} ${t.range.padEnd(4)} ${t.panel}`),
  ];
  for (const s of sets) {
    for (const r of RANGES) {
      const of = timings.filter((t) => t.set === s && t.range === r.name);
      const over = of.filter((t) => t.ms > 1000).length;
      lines.push(`${s} ${r.name}: ${over} of ${of.length} panel queries over 1 s`);
    }
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
}
