/**
 * The Devices dashboard (grafana/src/dashboards/devices.ts) on the panel seed plus what the seed
 * lacks: two cohorts (pilot: alice and bob, bob revoked; main: carol), and rejected events and
 * dead letters counted per device the way the API and the consumer count them, each as its own
 * database role (data-access/device-pipeline-repo.ts). Panels run as grafana_reader, expanded
 * as Grafana expands them, for the seed's range, with the Cohort variable on All and on one.
 */
import type { Dashboard } from '@grafana/schema';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allDashboards } from '../../grafana/src/all-dashboards.js';
import { addDeadLettered, addRejected } from '../../server/src/data-access/device-pipeline-repo.js';
import { freshDatabase } from '../harness/database.js';
import { prepareDatabase } from '../harness/server.js';
import {
  type Cell,
  expandQuery,
  panelQueries,
  runQuery,
  type Scenario,
} from './dashboard-queries.js';
import { LABEL } from './expected-panel-results.js';
import { createSeedPartitions, DEVICES, RANGE, seedVisits } from './seed-visits.js';

const T = (hhmm: string): string => `2025-03-10T${hhmm}:00.000Z`;
const ALL: Scenario = { from: RANGE.from, to: RANGE.to, intervalMs: RANGE.intervalMs };
const PILOT: Scenario = { ...ALL, selections: { cohort: ['pilot'] } };
const MAIN: Scenario = { ...ALL, selections: { cohort: ['main'] } };

const devices = allDashboards().find((g) => g.dashboard.uid === 'tracksphere-devices')
  ?.dashboard as Dashboard;

describe('the Devices dashboard, with cohorts, a revoked device and pipeline refusals', () => {
  let url: string;
  let owner: pg.Client;
  let reader: pg.Client;

  /** A pool whose sessions act as `role`, as the API (tracksphere_app) or consumer would. */
  const poolAs = (role: string): pg.Pool =>
    new pg.Pool({ connectionString: url, max: 1, options: `-c role=${role}` });

  async function panel(title: string, scenario: Scenario): Promise<Cell[][]> {
    const q = panelQueries(devices).find((x) => x.panelTitle === title);
    if (q === undefined) throw new Error(`no panel "${title}"`);
    return (await runQuery(reader, expandQuery(q.rawSql, devices, scenario), q.format)).rows;
  }

  beforeAll(async () => {
    url = await freshDatabase('grafana_devices');
    await prepareDatabase(url);
    await createSeedPartitions(url);
    owner = new pg.Client({ connectionString: url });
    await owner.connect();
    await seedVisits(owner);
    await owner.query(`INSERT INTO cohorts (name) VALUES ('pilot'), ('main')`);
    await owner.query(
      `UPDATE devices SET cohort_id = (SELECT id FROM cohorts WHERE name = 'pilot')
        WHERE id IN ($1, $2)`,
      [DEVICES.alice.id, DEVICES.bob.id],
    );
    await owner.query(
      `UPDATE devices SET cohort_id = (SELECT id FROM cohorts WHERE name = 'main') WHERE id = $1`,
      [DEVICES.carol.id],
    );
    await owner.query(`UPDATE devices SET revoked_at = '2025-03-10T11:50:00Z' WHERE id = $1`, [
      DEVICES.bob.id,
    ]);

    // The API, as tracksphere_app: 2 + 1 rejected events of alice on 10 March, 4 of carol the
    // day before (outside the range's days), and 5 of a device that no longer exists (skipped).
    const api = poolAs('tracksphere_app');
    await addRejected(api, DEVICES.alice.id, 2, new Date('2025-03-10T09:00:00Z'));
    await addRejected(api, DEVICES.alice.id, 1, new Date('2025-03-10T10:00:00Z'));
    await addRejected(api, DEVICES.carol.id, 4, new Date('2025-03-09T10:00:00Z'));
    await addRejected(api, 'dead0000-0000-4000-8000-000000000000', 5, new Date(RANGE.from));
    await api.end();
    // The consumer, as tracksphere_writer: dead letters keyed by device id; a message without a
    // key or with a key that is no device id counts for no one.
    const writer = poolAs('tracksphere_writer');
    await addDeadLettered(
      writer,
      [DEVICES.alice.id, DEVICES.alice.id, DEVICES.bob.id, null, 'not-a-device'],
      new Date('2025-03-10T10:00:00Z'),
    );
    // Each role reads nothing of the other's column.
    await expect(writer.query('SELECT rejected FROM device_pipeline_days')).rejects.toThrow(
      /permission denied/,
    );
    await writer.end();

    reader = new pg.Client({ connectionString: url });
    await reader.connect();
    await reader.query('SET ROLE grafana_reader');
  });

  afterAll(async () => {
    await reader?.end();
    await owner?.end();
  });

  it('counts devices per cohort: registered, revoked, synced in the range', async () => {
    // (none): dave, erin, frank; main: carol; pilot: alice and bob (revoked). All synced.
    expect(await panel('Devices per cohort', ALL)).toEqual([
      ['(none)', 3, 0, 3],
      ['main', 1, 0, 1],
      ['pilot', 2, 1, 2],
    ]);
    expect(await panel('Devices per cohort', PILOT)).toEqual([['pilot', 2, 1, 2]]);
  });

  it('draws visits per day by cohort', async () => {
    // 10 March by corrected start: dave 1 + frank 1 (erin's clock is 3 days off); carol 2 (not
    // her 12:30); alice 5 + bob 3.
    expect(await panel('Visits per day, by cohort', ALL)).toEqual([
      ['2025-03-10T00:00:00.000Z', '(none)', 2],
      ['2025-03-10T00:00:00.000Z', 'main', 2],
      ['2025-03-10T00:00:00.000Z', 'pilot', 8],
    ]);
  });

  it("lists a cohort's devices with last sync, visits, rejected events and dead letters", async () => {
    expect(await panel('Devices', PILOT)).toEqual([
      [LABEL.bob, 'pilot', '2025-03-10T11:50:00.000Z', T('11:46'), 3, 18, 0, 1],
      [LABEL.alice, 'pilot', null, T('10:45'), 5, 30, 3, 2],
    ]);
    // carol's 4 rejected events were on 9 March: not a day of the range.
    expect(await panel('Devices', MAIN)).toEqual([
      [LABEL.carol, 'main', null, T('10:11'), 2, 12, 0, 0],
    ]);
  });

  it('sums rejected events and dead letters per day over the chosen cohorts', async () => {
    expect(await panel('Rejected events and dead letters per day', ALL)).toEqual([
      ['2025-03-10T00:00:00.000Z', 3, 3],
    ]);
    expect(await panel('Rejected events and dead letters per day', PILOT)).toEqual([
      ['2025-03-10T00:00:00.000Z', 3, 3],
    ]);
    expect(await panel('Rejected events and dead letters per day', MAIN)).toEqual([]);
  });

  it('loses the counts with the device: an erase deletes its rows', async () => {
    await owner.query('DELETE FROM visits WHERE device_id = $1', [DEVICES.alice.id]);
    await owner.query('DELETE FROM devices WHERE id = $1', [DEVICES.alice.id]);
    const left = await owner.query<{ n: string }>(
      'SELECT count(*) AS n FROM device_pipeline_days WHERE device_id = $1',
      [DEVICES.alice.id],
    );
    expect(Number(left.rows[0]?.n)).toBe(0);
  });
});
