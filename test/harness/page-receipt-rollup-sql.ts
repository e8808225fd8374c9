/**
 * The rollups of migration pages-device-receipts as GROUP BYs of visits, in each table's column
 * order: what the tests compare them with, and what bench/dashboards.ts fills them with after
 * seeding with the triggers off. visit_page_domain_months is an upper bound, not a sum: with the
 * month deltas not folded yet added, it is at least this (after deletes it may exceed it).
 */
export const PAGE_RECEIPT_ROLLUPS = {
  visit_device_receipt_hours: `SELECT device_id, date_trunc('hour', received_at, 'UTC') AS hour,
      count(*)::bigint AS visits, max(received_at) AS last_received
    FROM visits GROUP BY 1, 2`,
  visit_page_days: `SELECT domain, date_trunc('day', started_at, 'UTC') AS day, url,
      count(*)::bigint AS visits, sum(active_ms)::bigint AS active_ms,
      (array_agg(title ORDER BY started_at_corrected DESC) FILTER (WHERE title IS NOT NULL))[1]
        AS title,
      max(started_at_corrected) FILTER (WHERE title IS NOT NULL) AS title_at
    FROM visits WHERE url IS NOT NULL GROUP BY 1, 2, 3`,
  visit_page_months: `SELECT domain, date_trunc('month', started_at, 'UTC') AS month, url,
      count(*)::bigint AS visits, sum(active_ms)::bigint AS active_ms,
      (array_agg(title ORDER BY started_at_corrected DESC) FILTER (WHERE title IS NOT NULL))[1]
        AS title,
      max(started_at_corrected) FILTER (WHERE title IS NOT NULL) AS title_at
    FROM visits WHERE url IS NOT NULL GROUP BY 1, 2, 3`,
  visit_page_domain_months: `SELECT month, domain, max(active_ms)::bigint AS max_active_ms
    FROM (SELECT date_trunc('month', started_at, 'UTC') AS month, domain, url,
                 sum(active_ms) AS active_ms
            FROM visits WHERE url IS NOT NULL GROUP BY 1, 2, 3) p
    GROUP BY 1, 2`,
} as const;

/** Where each is stored: the page sums are views of folded totals plus deltas. */
const STORED_IN: Readonly<Record<string, string>> = {
  visit_page_days: 'visit_page_days_folded',
  visit_page_months: 'visit_page_months_folded',
};

/** Fills the four from visits (on a database where they are empty), as folded totals. */
export async function fillPageReceiptRollups(client: {
  query(sql: string): Promise<unknown>;
}): Promise<void> {
  for (const [table, grouped] of Object.entries(PAGE_RECEIPT_ROLLUPS)) {
    await client.query(`INSERT INTO ${STORED_IN[table] ?? table} ${grouped}`);
  }
}
