/**
 * The dashboards' rollups (visit_device_hours, visit_domain_days, visit_sessions; migration
 * dashboard-rollups) stay a GROUP BY of visits: a resend adds nothing, a selective or whole
 * erase takes its visits out (a session that loses some of its visits is made again from the
 * rest), and retention's dropped months and row deletes leave them too.
 */
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { eraseDevice } from '../../server/src/data-access/devices-repo.js';
import { maintainPartitions } from '../../server/src/data-access/partitions.js';
import { deleteDeviceVisits } from '../../server/src/data-access/visit-erase-repo.js';
import { insertVisits } from '../../server/src/data-access/visits-repo.js';
import { waitFor } from '../harness/client.js';
import { expectDashboardRollupsMatchVisits } from '../harness/dashboard-rollups.js';
import { month, NOW, visit, withDatabase } from '../harness/retention.js';
import { CHROME_ON_LINUX } from '../harness/visit-records.js';

const HOUR = 3_600_000;

describe('the dashboard rollups', () => {
  it('count each visit once, whatever is resent, and lose what an erase deletes', () =>
    withDatabase('dash_rollups_erase', async (pool, device) => {
      const session = uuidv7();
      const at = (h: number) => new Date(NOW - 30 * HOUR + h * HOUR);
      const a = { ...visit(device, at(0), 0), sessionId: session, client: CHROME_ON_LINUX };
      const b = { ...visit(device, at(0.5), 0), sessionId: session, domain: 'news.example' };
      const c = { ...visit(device, at(1), 2 * HOUR), sessionId: session, client: CHROME_ON_LINUX };
      const other = { ...visit(device, at(3), 0), domain: 'news.example' };
      await insertVisits(pool, [a, b]);
      await insertVisits(pool, [a, b, c, other]);
      await expectDashboardRollupsMatchVisits(pool);
      const s = await pool.query('SELECT visits FROM visit_sessions WHERE session_id = $1', [
        session,
      ]);
      expect(s.rows).toEqual([{ visits: '3' }]);

      // The session's middle visit goes: it keeps its first and last.
      expect(await deleteDeviceVisits(pool, device, { domain: 'news.example' })).toBe(2);
      await expectDashboardRollupsMatchVisits(pool);
      // Its first goes: it starts later.
      expect(
        await deleteDeviceVisits(pool, device, {
          from: at(0).toISOString(),
          to: at(0.75).toISOString(),
        }),
      ).toBe(1);
      await expectDashboardRollupsMatchVisits(pool);
      expect((await pool.query('SELECT count(*)::int AS n FROM visit_sessions')).rows).toEqual([
        { n: 2 },
      ]);
      await eraseDevice(pool, device);
      await expectDashboardRollupsMatchVisits(pool);
      expect((await pool.query('SELECT count(*)::int AS n FROM visit_sessions')).rows).toEqual([
        { n: 0 },
      ]);
    }));

  it("keep a session's visits when an erase and a writer of that session overlap", () =>
    withDatabase('dash_rollups_race', async (pool, device) => {
      const session = uuidv7();
      const at = (h: number) => new Date(NOW - 30 * HOUR + h * HOUR);
      const a = { ...visit(device, at(0), 0), sessionId: session, domain: 'a.example' };
      const b = { ...visit(device, at(0.1), 0), sessionId: session, domain: 'b.example' };
      await insertVisits(pool, [a, b]);
      // A writer adds a visit to the session and holds its transaction open (its trigger has
      // updated the session's row); an erase of a.example then makes the session again.
      const writer = await pool.connect();
      try {
        await writer.query('BEGIN');
        await writer.query(
          `INSERT INTO visits (id, started_at, ended_at, device_id, session_id, batch_id, url,
             domain, title, active_ms, transition, started_at_corrected, ended_at_corrected,
             clock_skew_ms, received_at)
           VALUES (gen_random_uuid(), $3, $3::timestamptz + interval '10 minutes', $1, $2,
             gen_random_uuid(), 'https://c.example/', 'c.example', NULL, 1000, 'link', $3,
             $3::timestamptz + interval '10 minutes', 0, now())`,
          [device, session, at(1.2).toISOString()],
        );
        const erasing = deleteDeviceVisits(pool, device, { domain: 'a.example' });
        await waitFor(async () => {
          await writer.query('SELECT pg_stat_clear_snapshot()');
          const r = await writer.query(
            `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          );
          return (r.rowCount ?? 0) > 0;
        }, 'the erase to wait for the writer');
        await writer.query('COMMIT');
        expect(await erasing).toBe(1);
      } finally {
        await writer.query('ROLLBACK').catch(() => undefined);
        writer.release();
      }
      await expectDashboardRollupsMatchVisits(pool);
      const s = await pool.query('SELECT visits FROM visit_sessions WHERE session_id = $1', [
        session,
      ]);
      expect(s.rows).toEqual([{ visits: '2' }]);
    }));

  it('lose what retention drops or deletes, sessions across months made again', () =>
    withDatabase('dash_rollups_retention', async (pool, device) => {
      const session = uuidv7();
      const inDropped = { ...visit(device, month(-5, 3), 0), sessionId: session };
      const inKept = { ...visit(device, month(-1, 3), 0), sessionId: session };
      // Month -3 is kept for a visit whose corrected start is young; the old one beside it in
      // the same session is deleted row by row.
      const raw = month(-3, 10);
      const oldRow = { ...visit(device, raw, 0), sessionId: uuidv7() };
      const youngRow = {
        ...visit(device, new Date(raw.getTime() + HOUR), NOW - 2 * HOUR - raw.getTime()),
        sessionId: oldRow.sessionId,
      };
      await insertVisits(pool, [inDropped, inKept, oldRow, youngRow]);
      await expectDashboardRollupsMatchVisits(pool);
      await maintainPartitions(pool, {
        now: new Date(NOW),
        monthsAhead: 0,
        monthsBack: 0,
        retentionDays: 40,
      });
      const left = await pool.query<{ id: string }>('SELECT id FROM visits ORDER BY id');
      expect(left.rows.map((r) => r.id)).toContain(inKept.id);
      expect(left.rows.map((r) => r.id)).toContain(youngRow.id);
      expect(left.rows.map((r) => r.id)).not.toContain(inDropped.id);
      expect(left.rows.map((r) => r.id)).not.toContain(oldRow.id);
      await expectDashboardRollupsMatchVisits(pool);
    }));

  it('lose a dropped month once when an erase of it is in flight as retention runs', () =>
    withDatabase('dash_rollups_drop_race', async (pool, device) => {
      const inDropped = visit(device, month(-5, 3), 0);
      const alsoDropped = visit(device, month(-5, 4), 0);
      const inKept = visit(device, month(-1, 3), 0);
      await insertVisits(pool, [inDropped, alsoDropped, inKept]);
      // The erase has deleted its row (its trigger took the row's counts out) and not committed
      // when retention starts: the month's count must not see that row as still there.
      const eraser = await pool.connect();
      try {
        await eraser.query('BEGIN');
        await eraser.query('DELETE FROM visits WHERE id = $1', [inDropped.id]);
        const retention = maintainPartitions(pool, {
          now: new Date(NOW),
          monthsAhead: 0,
          monthsBack: 0,
          retentionDays: 40,
        });
        await waitFor(async () => {
          await eraser.query('SELECT pg_stat_clear_snapshot()');
          const r = await eraser.query(
            `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          );
          return (r.rowCount ?? 0) > 0;
        }, 'retention to wait for the erase');
        await eraser.query('COMMIT');
        expect((await retention).dropped).toHaveLength(1);
      } finally {
        await eraser.query('ROLLBACK').catch(() => undefined);
        eraser.release();
      }
      const left = (await pool.query<{ id: string }>('SELECT id FROM visits')).rows.map(
        (r) => r.id,
      );
      expect(left).toContain(inKept.id);
      expect(left).not.toContain(alsoDropped.id);
      await expectDashboardRollupsMatchVisits(pool);
    }));
});
