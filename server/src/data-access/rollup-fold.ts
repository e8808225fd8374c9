import type { Pool } from './pool.js';

/** How often a writing process folds the per-domain deltas into their totals. */
export const FOLD_INTERVAL_MS = 10_000;

/**
 * Moves the per-domain rollups' and the receipt hours' committed deltas into their totals
 * (visit_rollups_fold, migration rollup-deltas; visit_receipt_fold, migration receipt-hours),
 * in one transaction; resolves with the delta rows folded. Readers are exact whether or not it
 * ran (the views add what is not folded yet): it only keeps the deltas few, so panels read few
 * rows. Safe from any number of processes at once.
 */
export async function foldRollupDeltas(pool: Pool): Promise<number> {
  const r = await pool.query<{ folded: string }>(
    'SELECT visit_rollups_fold() + visit_receipt_fold() AS folded',
  );
  return Number(r.rows[0]?.folded ?? 0);
}
