import type { Pool } from './pool.js';

export interface SummaryDbRow {
  date: string;
  domain: string;
  device_id: string;
  active_ms: string;
  visits: string;
}

/**
 * The rollup's hours of `deviceIds` whose start falls on the days from..to (both included) in
 * the zone `tz`, added up per local day, domain and device. An hour belongs to the day its start
 * is on in tz: exact for zones with a whole-hour offset; in a zone with a :30 or :45 offset an
 * hour that straddles midnight counts whole on the day it starts. The hour range around the
 * local days (an hour wider on each side) lets the primary key (device_id, hour, domain) find
 * the rows and opens only the months it covers; the day test then keeps the exact ones.
 */
export async function readSummary(
  pool: Pool,
  deviceIds: string[],
  from: string,
  to: string,
  tz: string,
): Promise<SummaryDbRow[]> {
  const r = await pool.query<SummaryDbRow>({
    name: 'read-summary',
    text: `SELECT to_char((hour AT TIME ZONE $4)::date, 'YYYY-MM-DD') AS date, domain, device_id,
                  sum(active_ms) AS active_ms, sum(visits) AS visits
             FROM visit_rollup
            WHERE device_id = ANY($1::uuid[])
              AND hour >= ($2::date::timestamp AT TIME ZONE $4) - interval '1 hour'
              AND hour < (($3::date + 1)::timestamp AT TIME ZONE $4) + interval '1 hour'
              AND (hour AT TIME ZONE $4)::date BETWEEN $2::date AND $3::date
            GROUP BY 1, 2, 3
            ORDER BY 1, 2, 3`,
    values: [deviceIds, from, to, tz],
  });
  return r.rows;
}
