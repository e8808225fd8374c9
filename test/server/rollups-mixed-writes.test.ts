/**
 * Every rollup the writer's triggers keep stays its definition over the stored visits under a
 * mixed workload: small writes (one statement) and large ones (COPY) of the same devices, at
 * once and in turn, resends (COPY refused, then the INSERT in statements), folds between
 * writes, selective erases and a whole device's erase. Visits vary in everything a rollup
 * groups or buckets by: domain, page (some without a URL or a title), session, browser,
 * receive delay and clock skew (some past a day, so the receipt histograms' intervals carry days).
 */
import { v7 as uuidv7 } from 'uuid';
import { expect, it } from 'vitest';
import { eraseDevice } from '../../server/src/data-access/devices-repo.js';
import type { Pool } from '../../server/src/data-access/pool.js';
import { foldRollupDeltas } from '../../server/src/data-access/rollup-fold.js';
import { deleteDeviceVisits } from '../../server/src/data-access/visit-erase-repo.js';
import { ONE_STATEMENT_ROWS } from '../../server/src/data-access/visit-insert.js';
import type { VisitRecord } from '../../server/src/data-access/visit-record.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import { expectDashboardRollupsMatchVisits } from '../harness/dashboard-rollups.js';
import { NOW, withDatabase } from '../harness/retention.js';
import { expectSummaryDaysMatchVisits } from '../harness/summary-days.js';
import { visitRecord } from '../harness/visit-records.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DOMAINS = ['popular.example', 'news.example', 'video.example', 'mail.example'];
const SKEWS = [0, 0, 1_500, -90_000, 2 * DAY + 17, -3 * DAY - 5];
const DELAYS = [200, 45_000, 3 * HOUR, 2 * DAY + 999];
const VERSIONS = ['131.0.6778.85', '131.0.1', '130.2', null];

/** A small deterministic generator (mulberry32), so a failure can be run again as it was. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function addDevices(pool: Pool, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => uuidv7());
  await pool.query(
    `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os)
     SELECT id, '\\x02'::bytea, '1', 'Chrome', '131', 'Linux' FROM unnest($1::uuid[]) id`,
    [ids],
  );
  return ids;
}

/** visit_rollup (per device, UTC hour and domain) and summary_changes against visits. */
async function expectHoursAndChangesMatchVisits(pool: Pool): Promise<void> {
  const hours = (from: string) =>
    pool.query(`SELECT device_id, hour, domain, active_ms::bigint, visits::bigint FROM ${from}
                 ORDER BY 1, 2, 3`);
  const kept = await hours('visit_rollup');
  const expected = await hours(`(SELECT device_id, date_trunc('hour', started_at, 'UTC') AS hour,
      domain, sum(active_ms) AS active_ms, count(*) AS visits FROM visits GROUP BY 1, 2, 3) v`);
  expect(kept.rows).toEqual(expected.rows);
  // The change log may keep days whose visits are gone (an erase is a change); it must hold
  // every day that has visits.
  const missing = await pool.query(
    `SELECT DISTINCT device_id, (started_at AT TIME ZONE 'UTC')::date AS day FROM visits v
      WHERE NOT EXISTS (SELECT 1 FROM summary_changes c WHERE c.device_id = v.device_id
                          AND c.day = (v.started_at AT TIME ZONE 'UTC')::date)`,
  );
  expect(missing.rows).toEqual([]);
}

async function expectAllMatch(pool: Pool, step: string): Promise<void> {
  try {
    await expectDashboardRollupsMatchVisits(pool);
    await expectSummaryDaysMatchVisits(pool);
    await expectHoursAndChangesMatchVisits(pool);
  } catch (err) {
    (err as Error).message = `after ${step}: ${(err as Error).message}`;
    throw err;
  }
}

it('every rollup stays its definition under small and large writes, resends, folds and erases', () =>
  withDatabase('rollups_mixed', async (pool, first) => {
    const devices = [first, ...(await addDevices(pool, 3))];
    const rnd = random(20);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
    const made = (n: number, only?: string): VisitRecord[] =>
      Array.from({ length: n }, () => {
        const deviceId = only ?? pick(devices);
        const domain = pick(DOMAINS);
        const page = Math.floor(rnd() * 6);
        const skew = pick(SKEWS);
        // Within the last 20 days, to the millisecond: no two visits of a page share a start.
        const raw = new Date(NOW - 2 * HOUR - Math.floor(rnd() * 20 * DAY));
        const received = new Date(
          Math.min(NOW, raw.getTime() + skew + 60_000 + pick(DELAYS)) - Math.floor(rnd() * 500),
        );
        return visitRecord(deviceId, raw, {
          domain,
          url: page === 5 ? null : `https://${domain}/page/${page}`,
          title: page === 4 ? null : `Page ${page} of ${domain}, ${Math.floor(rnd() * 3)}`,
          activeMs: Math.floor(rnd() * 120_000),
          sessionId: `0190a6f2-0000-7000-8000-00000000000${Math.floor(rnd() * 4)}`,
          clockSkewMs: skew,
          receivedAt: received.toISOString(),
          client: {
            browserName: rnd() < 0.8 ? 'Chrome' : 'Firefox',
            browserVersion: pick(VERSIONS),
            osName: 'Linux',
            osVersion: null,
            deviceType: rnd() < 0.9 ? 'desktop' : null,
          },
        });
      });
    const large = () => made(ONE_STATEMENT_ROWS + 1 + Math.floor(rnd() * 150));
    const small = () => made(1 + Math.floor(rnd() * (ONE_STATEMENT_ROWS - 1)));

    const big = large();
    expect((await insertVisits(pool, big)).inserted).toBe(big.length);
    await expectAllMatch(pool, 'a COPY');
    const few = small();
    expect((await insertVisits(pool, few)).inserted).toBe(few.length);
    await expectAllMatch(pool, 'one statement');

    // Resends among new rows, by both paths: COPY is refused and the statements store the new.
    const fresh = large();
    const resent = [...big.slice(0, 40), ...fresh, ...few];
    expect((await insertVisits(pool, resent)).inserted).toBe(fresh.length);
    expect((await insertVisits(pool, [...few, ...small()])).inserted).toBeGreaterThan(0);
    await expectAllMatch(pool, 'resends');

    // Large and small writes of the same devices at once, a fold between some of them.
    for (let round = 0; round < 3; round++) {
      const writes = [large(), small(), large(), small()];
      const results = await Promise.all([
        ...writes.map((w) => insertVisits(pool, w)),
        round === 1 ? foldRollupDeltas(pool) : Promise.resolve(0),
      ]);
      expect(results.slice(0, 4).map((r) => (r as { inserted: number }).inserted)).toEqual(
        writes.map((w) => w.length),
      );
      await expectAllMatch(pool, `concurrent writes, round ${round + 1}`);
    }
    await foldRollupDeltas(pool);
    await expectAllMatch(pool, 'a fold');

    // Erases: a domain of one device, a range of another (folded and unfolded deltas), a whole
    // device; its resent visits are then dropped.
    const news = await pool.query('SELECT 1 FROM visits WHERE device_id = $1 AND domain = $2', [
      devices[1],
      'news.example',
    ]);
    expect(news.rowCount).toBeGreaterThan(0);
    expect(await deleteDeviceVisits(pool, devices[1] as string, { domain: 'news.example' })).toBe(
      news.rowCount,
    );
    await expectAllMatch(pool, 'an erase of a domain');
    await insertVisits(pool, made(ONE_STATEMENT_ROWS + 20, devices[2]));
    await deleteDeviceVisits(pool, devices[2] as string, {
      from: new Date(NOW - 12 * DAY).toISOString(),
      to: new Date(NOW - 3 * DAY).toISOString(),
    });
    await expectAllMatch(pool, 'an erase of a range');
    await eraseDevice(pool, devices[3] as string);
    await expectAllMatch(pool, "a device's erase");
    const dropped = await insertVisits(pool, made(ONE_STATEMENT_ROWS + 5, devices[3]));
    expect(dropped).toEqual({ inserted: 0, dropped: ONE_STATEMENT_ROWS + 5 });
    await foldRollupDeltas(pool);
    await expectAllMatch(pool, 'the last fold');
  }));
