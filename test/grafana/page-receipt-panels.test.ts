/**
 * Top pages, Devices / Devices, Devices per cohort and Pipeline health / Events received read
 * the rollups of migration pages-device-receipts over ranges of a day or more. On ~6,000 random
 * visits over 26 days across a month's end (Zipf-like domains and pages, late sends, one skewed
 * clock, pages without URL or title), over ranges on and off the hour, day and month, with
 * variables on All and chosen, each answers as the plain query over visits, as grafana_reader; and again after erases (whole
 * device, one site, a time range), so the rollups lose what is deleted, newest receive times and
 * titles included.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allDashboards } from '../../grafana/src/all-dashboards.js';
import { DEVICE_RECEIPTS } from '../../grafana/src/device-receipt-source.js';
import { PAGE_ROLLUP } from '../../grafana/src/top-pages.js';
import { deleteDeviceVisits } from '../../server/src/data-access/visit-erase-repo.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase } from '../harness/server.js';
import { expandQuery, panelQueries, runQuery, type Scenario } from './dashboard-queries.js';
import { createSeedPartitions } from './seed-visits.js';

const H = 3_600_000;
const day = (d: number, h = 0, m = 0) => new Date(Date.UTC(2025, 2, d, h, m));
const RANGES: Array<[Date, Date, number]> = [
  [new Date('2025-02-01T00:00:00Z'), new Date('2025-04-01T00:00:00Z'), 2 * H],
  [new Date('2025-02-25T10:20:00Z'), day(12, 7, 40), H],
  // A whole month with whole days before it, and one with whole days after it.
  [new Date('2025-02-10T13:00:00Z'), new Date('2025-04-01T00:00:00Z'), 2 * H],
  [new Date('2025-01-20T05:00:00Z'), day(12, 7, 40), 2 * H],
  [day(1), day(31), 2 * H],
  [day(5, 10, 20), day(12, 7, 40), H],
  [day(8, 13), day(9, 13), 60_000],
  [day(9), day(10), H],
  [day(8, 10), day(8, 20, 30), 60_000],
];
const DEVICE_IDS = [1, 2, 3, 4, 5, 6].map((n) => `${n}0000000-0000-4000-8000-00000000000${n}`);
const SELECTIONS: Array<Record<string, string>> = [
  {},
  { cohort: 'study-b' },
  { domain: 'd1.test' },
  { device: DEVICE_IDS[2] as string },
];

function scenarios(): Scenario[] {
  return RANGES.flatMap(([from, to, intervalMs]) =>
    SELECTIONS.map((selections) => ({ from, to, intervalMs, selections })),
  );
}

const board = (uid: string) => {
  const d = allDashboards().find((g) => g.dashboard.uid === uid)?.dashboard;
  if (d === undefined) throw new Error(`no dashboard ${uid}`);
  return d;
};
const query = (uid: string, title: string) => {
  const q = panelQueries(board(uid)).find((p) => p.panelTitle === title);
  if (q === undefined) throw new Error(`no panel ${title}`);
  return q;
};

/** Top pages as the plain query over visits: by raw start with the rollup, else as before. */
const TOP_PAGES_PLAIN = `
  SELECT url, domain,
         (array_agg(title ORDER BY started_at_corrected DESC) FILTER (WHERE title IS NOT NULL))[1]
           AS title,
         count(*) AS visits, sum(active_ms) AS active_ms
  FROM visits
  WHERE url IS NOT NULL
    AND CASE WHEN ${PAGE_ROLLUP}
             THEN started_at >= to_timestamp($__unixEpochFrom())
                  AND started_at < to_timestamp($__unixEpochTo())
             ELSE $__timeFilter(started_at_corrected) END
    AND ('__all' IN (\${domain:sqlstring}) OR domain IN (\${domain:sqlstring}))
    AND ('00000000-0000-0000-0000-000000000000' IN (\${device:sqlstring})
         OR device_id IN (\${device:sqlstring}))
    AND ('__all' IN (\${cohort:sqlstring}) OR device_id IN (
           SELECT d.id FROM devices d JOIN cohorts c ON c.id = d.cohort_id
            WHERE c.name IN (\${cohort:sqlstring})))
  GROUP BY url, domain
  ORDER BY active_ms DESC, url
  LIMIT 50`;

describe('the panels on the page and receipt rollups', () => {
  let client: pg.Client;

  /** Every panel as the plain query, read as grafana_reader. */
  async function expectPlain(): Promise<void> {
    await client.query('SET ROLE grafana_reader');
    try {
      await expectPlainAsReader();
    } finally {
      await client.query('RESET ROLE');
    }
  }

  async function expectPlainAsReader(): Promise<void> {
    const sites = board('tracksphere-sites');
    const top = query('tracksphere-sites', 'Top pages');
    let pruned = 0;
    for (const s of scenarios()) {
      const what = JSON.stringify(s);
      const got = await runQuery(client, expandQuery(top.rawSql, sites, s), 'table');
      const plain = await runQuery(client, expandQuery(TOP_PAGES_PLAIN, sites, s), 'table');
      expect(plain.rows.length, what).toBeGreaterThan(0);
      expect(got, `Top pages ${what}`).toEqual(plain);
      // How many domains the floor left out (the bound did its work somewhere).
      const counting = top.rawSql.replace(
        /\)\nSELECT url,[\s\S]*$/,
        ')\nSELECT count(*) FILTER (WHERE bound < f) AS count FROM bound, floor',
      );
      const bound = expandQuery(counting, sites, s);
      pruned += Number((await client.query(bound)).rows[0]?.count);
    }
    expect(pruned).toBeGreaterThan(0);
    for (const [uid, title] of [
      ['tracksphere-devices', 'Devices'],
      ['tracksphere-devices', 'Devices per cohort'],
      ['tracksphere-pipeline', 'Events received'],
    ] as const) {
      const q = query(uid, title);
      for (const s of scenarios()) {
        const what = `${title} ${JSON.stringify(s)}`;
        const got = await runQuery(client, expandQuery(q.rawSql, board(uid), s), q.format);
        const forced = q.rawSql.replaceAll(DEVICE_RECEIPTS, '(false)');
        expect(forced).not.toBe(q.rawSql);
        const plain = await runQuery(client, expandQuery(forced, board(uid), s), q.format);
        expect(got, what).toEqual(plain);
      }
    }
  }

  /** 1,000 random visits in one statement. */
  async function insertBatch(): Promise<void> {
    await client.query(
      `INSERT INTO visits (id, started_at, ended_at, device_id, session_id, batch_id, url,
         domain, title, active_ms, transition, started_at_corrected, ended_at_corrected,
         clock_skew_ms, received_at, written_at, browser_name, browser_version, os_name,
         os_version, device_type)
       SELECT gen_random_uuid(), s - skew, s - skew + dur, dev, gen_random_uuid(),
              gen_random_uuid(), CASE WHEN g % 20 = 0 THEN NULL ELSE 'https://' || dom || '/p' || pg END,
              dom, CASE WHEN g % 7 = 0 OR g % 20 = 0 THEN NULL ELSE 'T' || pg || '.' || g END,
              (extract(epoch FROM dur) * 900)::bigint, 'link', s, s + dur,
              (extract(epoch FROM skew) * 1000)::bigint, s + dur + late, s + dur + late + interval '1 s',
              'Chrome', '131', 'Linux', NULL, 'desktop'
         FROM (SELECT g, timestamptz '2025-02-20' + random() * interval '26 days' AS s,
                      (1 + random() * 900) * interval '1 s' AS dur,
                      ($1::uuid[])[1 + floor(random() * 6)::int] AS dev,
                      'd' || floor(40 * power(random(), 3))::int || '.test' AS dom,
                      floor(120 * power(random(), 2))::int AS pg,
                      CASE WHEN random() < 0.1 THEN random() * interval '3 days'
                           ELSE random() * interval '20 minutes' END AS late
                 FROM generate_series(1, 1000) g) v,
              LATERAL (SELECT CASE WHEN v.dev = ($1::uuid[])[6] THEN interval '90 s'
                                   ELSE interval '0' END AS skew) k`,
      [DEVICE_IDS],
    );
  }

  beforeAll(async () => {
    const url = await freshDatabase('grafana_page_receipt_panels');
    await prepareDatabase(url);
    await createSeedPartitions(url);
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`INSERT INTO cohorts (name) VALUES ('study-a'), ('study-b')`);
    await client.query(
      `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os,
         ua_browser_name, ua_os_name, ua_device_type, cohort_id)
       SELECT id::uuid, '\\x00', '1.0.0', 'Chrome', '1', 'Linux', 'Chrome', 'Linux', 'desktop',
              (SELECT min(id) FROM cohorts) + n % 2
         FROM unnest($1::text[]) WITH ORDINALITY AS t (id, n)`,
      [DEVICE_IDS],
    );
    // Several statements, so the triggers add to rows earlier ones made. Device 6's clock is
    // 90 s behind; some visits are sent days late; 1 in 20 has no URL, 1 in 7 no title.
    await client.query('SELECT setseed(0.19)');
    for (let batch = 0; batch < 6; batch++) {
      await insertBatch();
    }
    await client.query('ANALYZE');
  });

  afterAll(async () => {
    await client?.end();
  });

  it('answer as the plain queries over visits, before and after the fold', async () => {
    const unfolded = await client.query('SELECT count(*)::int AS n FROM visit_page_days_delta');
    expect(unfolded.rows[0]?.n).toBeGreaterThan(0);
    await expectPlain();
    await client.query('SELECT visit_receipt_fold()');
    const left = await client.query(
      `SELECT (SELECT count(*) FROM visit_page_days_delta)
              + (SELECT count(*) FROM visit_page_months_delta) AS n`,
    );
    expect(Number(left.rows[0]?.n)).toBe(0);
    await expectPlain();
    // Ranges of a day or more read the rollups, shorter ones visits.
    const top = query('tracksphere-sites', 'Top pages');
    const plan = async (from: Date, to: Date) =>
      JSON.stringify(
        (
          await client.query(
            `EXPLAIN (FORMAT JSON) ${expandQuery(top.rawSql, board('tracksphere-sites'), { from, to, intervalMs: H })}`,
          )
        ).rows[0],
      );
    expect(await plan(day(1), day(31))).toMatch(/"Relation Name":"visit_page_days_folded"/);
    expect(await plan(new Date('2025-02-01T00:00:00Z'), day(31))).toMatch(
      /"Relation Name":"visit_page_months_folded"/,
    );
    expect(await plan(day(8, 10), day(8, 20))).not.toMatch(/visit_page_days/);
  });

  it('still do after erases, the rollups having lost what they deleted', async () => {
    // Some not folded yet: an erase folds them first.
    await insertBatch();
    const pool = {
      query: (text: string, values: unknown[]) => client.query(text, values),
    } as unknown as Parameters<typeof deleteDeviceVisits>[0];
    const late = await client.query<{ device_id: string; received_at: Date }>(
      `SELECT device_id, received_at FROM visits ORDER BY received_at DESC LIMIT 1`,
    );
    const newest = late.rows[0];
    if (newest === undefined) throw new Error('no visits');
    // The newest visit of a device goes (its receipt hour keeps others or goes too).
    await client.query('DELETE FROM visits WHERE device_id = $1 AND received_at = $2', [
      newest.device_id,
      newest.received_at,
    ]);
    expect(
      await deleteDeviceVisits(pool, DEVICE_IDS[0] as string, { domain: 'd0.test' }),
    ).toBeGreaterThan(0);
    expect(
      await deleteDeviceVisits(pool, DEVICE_IDS[1] as string, {
        from: day(6).toISOString(),
        to: day(9, 12).toISOString(),
      }),
    ).toBeGreaterThan(0);
    expect(
      await deleteDeviceVisits(pool, DEVICE_IDS[4] as string, { from: day(1).toISOString() }),
    ).toBeGreaterThan(0);
    await expectPlain();
  });

  it('answers Top pages the same in a session zone with daylight saving', async () => {
    // From 2 March, a month added in Berlin's zone crosses its change on 30 March 2025 and
    // lands before the day; the ranges are UTC days whatever the session's zone.
    const sites = board('tracksphere-sites');
    const top = query('tracksphere-sites', 'Top pages');
    await client.query("SET TimeZone = 'Europe/Berlin'");
    await client.query('SET ROLE grafana_reader');
    try {
      for (const [from, to] of [
        [day(1, 12), day(15, 12)],
        [new Date('2025-02-01T12:00:00Z'), day(15, 12)],
      ] as const) {
        const s = { from, to, intervalMs: H };
        const plain = await runQuery(client, expandQuery(TOP_PAGES_PLAIN, sites, s), 'table');
        expect(plain.rows.length).toBeGreaterThan(0);
        expect(await runQuery(client, expandQuery(top.rawSql, sites, s), 'table')).toEqual(plain);
      }
    } finally {
      await client.query('RESET ROLE');
      await client.query('RESET TimeZone');
    }
  });

  it('gives the Study role none of it', async () => {
    for (const table of [
      'visit_page_days',
      'visit_page_days_folded',
      'visit_page_days_delta',
      'visit_page_months',
      'visit_page_months_folded',
      'visit_page_months_delta',
      'visit_page_domain_months',
      'visit_device_receipt_hours',
    ]) {
      await client.query('SET ROLE grafana_study_reader');
      await expect(client.query(`SELECT * FROM ${table}`), table).rejects.toThrow(
        /permission denied/,
      );
      await client.query('RESET ROLE');
    }
  });
});
