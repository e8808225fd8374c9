import type { Pool } from './pool.js';

/**
 * Makes the Study views' kept rows of the days whose visits changed again (study_days_refresh,
 * migration study-day-cache); resolves with the number of days. The Study panels are exact
 * whether or not it ran (they make listed days on the spot): it only keeps that list short, so
 * a panel reads kept rows. Safe from any number of processes at once.
 */
export async function refreshStudyDays(pool: Pool): Promise<number> {
  const r = await pool.query<{ days: string }>('SELECT study_days_refresh() AS days');
  return Number(r.rows[0]?.days ?? 0);
}
