import type { Pool } from './pool.js';

/**
 * One day, domain and device as [day, domain, device, activeMs, visits]: day is the number of
 * days after `from`, device the index of its id in the ids asked for.
 */
export type SummaryDbRow = [number, string, number, number, number];

/**
 * The figures of `deviceIds` per local day from..to (both included) in the zone `tz`, domain
 * and device, from visit_summary (migration 1796620000000): the daily rollup's rows, with the
 * hours near local midnight moved to the local day they fall on. `sorted` orders them by day,
 * domain and device id (a sort of every row); otherwise they come in no particular order.
 * Rows come as arrays of numbers and the domain: a year of a busy person is 171,000 of them,
 * and an object, a Date and a string per value would cost more than reading them.
 */
export async function readSummary(
  pool: Pool,
  deviceIds: string[],
  from: string,
  to: string,
  tz: string,
  sorted: boolean,
): Promise<SummaryDbRow[]> {
  const r = await pool.query<SummaryDbRow>({
    name: 'read-summary',
    text: `SELECT day - $2::date, domain, array_position($1::uuid[], device_id) - 1,
                  active_ms::float8, visits::float8
             FROM visit_summary($1::uuid[], $2::date, $3::date, $4, $5)`,
    values: [deviceIds, from, to, tz, sorted],
    rowMode: 'array',
  });
  return r.rows;
}
