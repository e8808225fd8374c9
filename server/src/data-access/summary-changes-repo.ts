import type { PoolClient } from './pool.js';

/**
 * One day, domain and device as [day, domain, device, activeMs, visits]: day is the number of
 * days after `from`, device the index of its id in the ids asked for.
 */
export type SummaryDbRow = [number, string, number, number, number];

/** A local day and device: [day, device] as in SummaryDbRow. */
export type ChangedDay = [number, number];

/**
 * What an answer with a cursor reads (domain/summary-cursor.ts): the days from..to (the cursor's
 * range within the one asked for) changed since the snapshot `snapshot`; the range's other days
 * whole.
 */
export interface SinceRange {
  snapshot: string;
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
/** The day `day` numbered from `from` (0), both YYYY-MM-DD. */
export const daysFrom = (from: string, day: string): number =>
  Math.round((Date.parse(day) - Date.parse(from)) / DAY_MS);

/**
 * The range from..to for a cursor's range `since`: the days of since.from..since.to changed
 * since its snapshot (each day and device listed, rows of those days whole), and the days the
 * cursor's range did not cover listed for every device, their rows whole. Rows in order (by day
 * first) when `sorted`: the days before the cursor's, those of both, those after it.
 */
export async function readSince(
  client: PoolClient,
  deviceIds: string[],
  from: string,
  to: string,
  tz: string,
  sorted: boolean,
  since: SinceRange,
  prunedBefore: string | null,
): Promise<{ rows: SummaryDbRow[]; changed: ChangedDay[] }> {
  const lo = daysFrom(from, since.from);
  const hi = daysFrom(from, since.to);
  const last = daysFrom(from, to);
  const whole = (a: number, b: number): ChangedDay[] =>
    Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i).flatMap((day) =>
      deviceIds.map((_, device): ChangedDay => [day, device]),
    );
  const logged = await changedDays(client, deviceIds, from, lo, hi, tz, since.snapshot);
  // The log was pruned after the cursor (migration summary-changes-pruned): what changed on the
  // UTC days before prunedBefore is no longer known, so every local day touching them (up to
  // prunedBefore's own) counts as changed, for every device.
  const pruned = prunedBefore === null ? [] : whole(lo, Math.min(hi, daysFrom(from, prunedBefore)));
  const seen = new Set(pruned.map(([day, device]) => `${day} ${device}`));
  const old = [...pruned, ...logged.filter(([day, device]) => !seen.has(`${day} ${device}`))];
  const before = lo > 0 ? await rowsOfSpan(client, deviceIds, from, 0, lo - 1, tz, sorted) : [];
  const both = await rowsOfDays(client, deviceIds, from, tz, old, sorted);
  const after =
    hi < last ? await rowsOfSpan(client, deviceIds, from, hi + 1, last, tz, sorted) : [];
  return {
    rows: before.length + after.length === 0 ? both : [...before, ...both, ...after],
    changed: [...whole(0, lo - 1), ...old, ...whole(hi + 1, last)],
  };
}

/**
 * The rows of the days lo..hi after `from` (day numbered from `from`), as visit_summary reads
 * them; `sorted` as in readSummary.
 */
export async function rowsOfSpan(
  client: PoolClient,
  deviceIds: string[],
  from: string,
  lo: number,
  hi: number,
  tz: string,
  sorted: boolean,
): Promise<SummaryDbRow[]> {
  const r = await client.query<SummaryDbRow>({
    name: 'read-summary',
    text: `SELECT day - $2::date, domain, array_position($1::uuid[], device_id) - 1,
                  active_ms::float8, visits::float8
             FROM visit_summary($1::uuid[], $2::date + $3::int, $2::date + $4::int, $5, $6)`,
    values: [deviceIds, from, lo, hi, tz, sorted],
    rowMode: 'array',
  });
  return r.rows;
}

/**
 * The local days lo..hi after `from` in `tz` of `deviceIds` that changed since the snapshot
 * `since` (a cursor's, pg_snapshot text), read in the caller's snapshot: the days of the change
 * log (migration summary-changes) whose last writer `since` does not see. A UTC day's change
 * touches every local day one of its hours falls on (the summary moves hours near local midnight
 * to their own day), so each is sent whole.
 */
export async function changedDays(
  client: PoolClient,
  deviceIds: string[],
  from: string,
  lo: number,
  hi: number,
  tz: string,
  since: string,
): Promise<ChangedDay[]> {
  const r = await client.query<ChangedDay>({
    name: 'summary-changed-days',
    text: `SELECT DISTINCT l.day - $2::date, array_position($1::uuid[], c.device_id) - 1
             FROM summary_changes c
            CROSS JOIN LATERAL generate_series(c.day::timestamp AT TIME ZONE 'UTC',
                                               c.day::timestamp AT TIME ZONE 'UTC'
                                                 + interval '23 hours',
                                               interval '1 hour') h
            CROSS JOIN LATERAL (SELECT (h AT TIME ZONE $5)::date AS day) l
            WHERE c.device_id = ANY ($1::uuid[])
              AND c.day BETWEEN $2::date + $3::int - 1 AND $2::date + $4::int + 1
              AND NOT pg_visible_in_snapshot(c.xid, $6::pg_snapshot)
              AND l.day BETWEEN $2::date + $3::int AND $2::date + $4::int`,
    values: [deviceIds, from, lo, hi, tz, since],
    rowMode: 'array',
  });
  return r.rows;
}

/**
 * The summary's rows of the days `changed` only (as visit_summary reads them: each device over
 * the span of its changed days, then only those days kept). `sorted` as in readSummary.
 */
export async function rowsOfDays(
  client: PoolClient,
  deviceIds: string[],
  from: string,
  tz: string,
  changed: ChangedDay[],
  sorted: boolean,
): Promise<SummaryDbRow[]> {
  if (changed.length === 0) return [];
  const r = await client.query<SummaryDbRow>({
    name: sorted ? 'summary-rows-of-days-sorted' : 'summary-rows-of-days',
    text: `WITH p AS (SELECT * FROM unnest($4::int[], $5::int[]) AS p (day, device)),
                g AS (SELECT device, min(day) AS lo, max(day) AS hi FROM p GROUP BY device)
           SELECT s.day - $2::date, s.domain, g.device, s.active_ms::float8, s.visits::float8
             FROM g CROSS JOIN LATERAL visit_summary(ARRAY[($1::uuid[])[g.device + 1]],
                                                    $2::date + g.lo, $2::date + g.hi, $3,
                                                    false) s
            WHERE (s.day - $2::date, g.device) IN (SELECT day, device FROM p)
           ${sorted ? 'ORDER BY s.day, s.domain, s.device_id' : ''}`,
    values: [deviceIds, from, tz, changed.map((c) => c[0]), changed.map((c) => c[1])],
    rowMode: 'array',
  });
  return r.rows;
}

/**
 * The reader's snapshot as text (the next cursor), and whether `since` can be compared with it:
 * a snapshot whose xmax is past the reader's comes from another history of the database (a
 * point-in-time recovery or a failover to a standby that was behind, before the cursor's key is
 * replaced: docs/deployment.md; a restore from a dump replaces the key itself), and would take
 * every later change as seen.
 * With them, the first UTC day the change log keeps when it was pruned after `since` (null:
 * not since).
 */
export async function readerSnapshot(
  client: PoolClient,
  since: string | null,
): Promise<{ snapshot: string; usable: boolean; prunedBefore: string | null }> {
  const r = await client.query<{
    snapshot: string;
    usable: boolean | null;
    pruned_before: string | null;
  }>({
    name: 'summary-snapshot',
    text: `SELECT pg_current_snapshot()::text AS snapshot,
                  pg_snapshot_xmax($1::pg_snapshot) <= pg_snapshot_xmax(pg_current_snapshot())
                    AS usable,
                  (SELECT before::text FROM summary_changes_pruned
                    WHERE NOT pg_visible_in_snapshot(xid, $1::pg_snapshot)) AS pruned_before`,
    values: [since],
  });
  const row = r.rows[0];
  if (row === undefined) throw new Error('pg_current_snapshot() returned no row');
  return { snapshot: row.snapshot, usable: row.usable === true, prunedBefore: row.pruned_before };
}

/**
 * Retention's prune of the change log, in its transaction: the rows of UTC days before `before`
 * (retention has taken those days' visits out, and recorded it in the rows it now drops) and
 * those of devices erased (unlinked: a cursor that counted one gets the whole range). When days
 * go, summary_changes_pruned says so to cursors read before (changedDays). Resolves with the rows
 * deleted.
 */
export async function pruneSummaryChanges(client: PoolClient, before: string): Promise<number> {
  const r = await client.query<{ deleted: string }>(
    `WITH gone AS (DELETE FROM summary_changes c
                    WHERE c.day < $1::date
                       OR NOT EXISTS (SELECT 1 FROM devices d WHERE d.id = c.device_id)
                   RETURNING c.day < $1::date AS dated),
          mark AS (INSERT INTO summary_changes_pruned AS p (before, xid)
                   SELECT $1::date, pg_current_xact_id() WHERE EXISTS (SELECT 1 FROM gone WHERE dated)
                   ON CONFLICT (only_row) DO UPDATE
                     SET before = greatest(p.before, EXCLUDED.before), xid = EXCLUDED.xid
                   RETURNING 1)
     SELECT count(*) AS deleted FROM gone`,
    [before],
  );
  return Number(r.rows[0]?.deleted ?? 0);
}
