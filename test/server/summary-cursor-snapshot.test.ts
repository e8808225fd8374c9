/**
 * The summary's cursor carries the reader's snapshot as PostgreSQL writes it. With two writers
 * in progress it lists both ("752:755:752,753"), and the answer's own cursor must be taken back
 * by the next request (real PostgreSQL: the snapshot text is the database's, not a made-up one).
 * The key that seals it is read by the API's role only, and a key rotated in the database
 * (after a restore, a PITR or a failover) is taken by a running API within its cache time.
 */
import { expect, it } from 'vitest';
import { migrate } from '../../server/src/data-access/migrate.js';
import { createPool } from '../../server/src/data-access/pool.js';
import {
  SUMMARY_CURSOR_KEY_TTL_MS,
  summaryCursorKey,
} from '../../server/src/data-access/summary-cursor-key.js';
import { readSummary } from '../../server/src/data-access/summary-repo.js';
import { decodeCursor, encodeCursor } from '../../server/src/domain/summary-cursor.js';
import { freshDatabase } from '../harness/database.js';
import { testLogger } from '../harness/server.js';

const log = testLogger('summary-cursor-snapshot');
const DEVICE = '018f0000-0000-7000-8000-000000000000';

it('takes back a cursor read while two writers are in progress', async () => {
  const url = await freshDatabase('summary_cursor_snapshot');
  await migrate(url, log);
  const pool = createPool(url, 4, log);
  const writers = [await pool.connect(), await pool.connect()];
  try {
    for (const w of writers) {
      await w.query('BEGIN');
      await w.query('SELECT pg_current_xact_id()');
    }
    // A later writer that commits: xmax moves past both, which stay in progress.
    await pool.query('SELECT pg_current_xact_id()');
    const read = await readSummary(pool, [DEVICE], '2026-12-01', '2026-12-06', 'UTC', false);
    expect(read.snapshot).toMatch(/^\d+:\d+:\d+,\d+$/);
    const key = await summaryCursorKey(pool);
    const cursor = encodeCursor(
      { from: '2026-12-01', to: '2026-12-06', tz: 'UTC', devices: 'x', snapshot: read.snapshot },
      key,
    );
    const since = decodeCursor(cursor, key).snapshot;
    expect(since).toBe(read.snapshot);
    // And the database reads the days changed since it.
    const range = { snapshot: since, from: '2026-12-01', to: '2026-12-06' };
    const next = await readSummary(pool, [DEVICE], '2026-12-01', '2026-12-06', 'UTC', false, range);
    expect(next.rows).toEqual([]);
    expect(next.changed).toEqual([]);
  } finally {
    for (const w of writers) {
      await w.query('ROLLBACK');
      w.release();
    }
    await pool.end();
  }
});

it('reads since the older xmin:xmin: a cursor holds past the writers one block holds', async () => {
  const url = await freshDatabase('summary_cursor_xmin_only');
  await migrate(url, log);
  const pool = createPool(url, 4, log);
  const writer = await pool.connect();
  try {
    await writer.query('BEGIN');
    await writer.query('SELECT pg_current_xact_id()');
    await pool.query('SELECT pg_current_xact_id()');
    const read = await readSummary(pool, [DEVICE], '2026-12-01', '2026-12-06', 'UTC', false);
    const xmin = read.snapshot.split(':')[0];
    expect(read.snapshot).not.toBe(`${xmin}:${xmin}:`);
    // What encodeCursor seals in place of a snapshot too long for its block (summary-cursor.ts).
    const key = await summaryCursorKey(pool);
    const fields = { from: '2026-12-01', to: '2026-12-06', tz: 'UTC', devices: 'x' };
    const cursor = encodeCursor({ ...fields, snapshot: `${xmin}:${xmin}:` }, key);
    const range = {
      snapshot: decodeCursor(cursor, key).snapshot,
      from: fields.from,
      to: fields.to,
    };
    const next = await readSummary(pool, [DEVICE], '2026-12-01', '2026-12-06', 'UTC', false, range);
    expect(next.changed).toEqual([]);
  } finally {
    await writer.query('ROLLBACK');
    writer.release();
    await pool.end();
  }
});

it('lets the API role read the cursor key, and neither the writer nor Grafana', async () => {
  const url = await freshDatabase('summary_cursor_key_roles');
  await migrate(url, log);
  const pool = createPool(url, 1, log);
  const client = await pool.connect();
  try {
    const readAs = async (role: string): Promise<string> => {
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL ROLE ${role}`);
        const r = await client.query<{ n: number }>(
          'SELECT octet_length(key) AS n FROM summary_cursor_key',
        );
        return String(r.rows[0]?.n);
      } catch (error) {
        return (error as { code?: string }).code ?? String(error);
      } finally {
        await client.query('ROLLBACK');
      }
    };
    expect(await readAs('tracksphere_app')).toBe('32');
    for (const role of ['tracksphere_writer', 'grafana_reader', 'grafana_study_reader']) {
      expect(await readAs(role), role).toBe('42501');
    }
  } finally {
    client.release();
    await pool.end();
  }
});

it('takes a key rotated in the database within SUMMARY_CURSOR_KEY_TTL_MS, without a restart', async () => {
  const url = await freshDatabase('summary_cursor_key_rotation');
  await migrate(url, log);
  const pool = createPool(url, 1, log);
  try {
    const t = Date.now();
    const before = await summaryCursorKey(pool, t);
    const cursor = encodeCursor(
      { from: '2026-12-01', to: '2026-12-06', tz: 'UTC', devices: 'x', snapshot: '5:5:' },
      before,
    );
    // The rotation docs/deployment.md gives ("The summary cursor's key").
    await pool.query(
      `UPDATE summary_cursor_key
          SET key = decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex')`,
    );
    const stored = (await pool.query<{ key: Buffer }>('SELECT key FROM summary_cursor_key')).rows[0]
      ?.key;
    expect(stored?.length).toBe(32);
    expect(stored?.equals(before)).toBe(false);
    // Within the cache time the process still holds the key it read ...
    expect((await summaryCursorKey(pool, t + SUMMARY_CURSOR_KEY_TTL_MS - 1)).equals(before)).toBe(
      true,
    );
    // ... then it reads the new one, and a cursor sealed with the old key is refused.
    const after = await summaryCursorKey(pool, t + SUMMARY_CURSOR_KEY_TTL_MS);
    expect(stored !== undefined && after.equals(stored)).toBe(true);
    expect(() => decodeCursor(cursor, after)).toThrow(/since/);
    expect(decodeCursor(cursor, before).snapshot).toBe('5:5:');
  } finally {
    await pool.end();
  }
});
