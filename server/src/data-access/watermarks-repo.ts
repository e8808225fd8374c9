import { arrayLiteral } from './array-literal.js';
import type { PoolClient } from './pool.js';
import type { VisitRecord } from './visit-record.js';

/**
 * Each device's watermark (migrations summary-watermarks, batch-seq), in the transaction that
 * stores its batches, so a summary read in one snapshot with it holds exactly the batches up to
 * it. Batches with the device's own seq order by it (applied_seq, and batch_id the batch at it):
 * the device numbers its batches in the order it sends them, where two API replicas' clocks
 * may not. applied_through is the latest receivedAt, and orders a device's batches sent without
 * a seq (batch_id the batch at it while the device has sent none with one). Rows inserted or not
 * (a resend's visits are stored already): the batch is applied either way. Never moved back: a
 * consumer replaying older messages, or a slow request's batch after its retry, applies nothing
 * newer. Last in the transaction and in device order, so the row locks are held only until the
 * commit.
 */
export async function moveWatermarks(client: PoolClient, rows: VisitRecord[]): Promise<void> {
  await client.query({
    name: 'move-watermarks',
    text: watermarkUpsertSql(1),
    values: watermarkValues(rows),
  });
}

/** The parameters of watermarkUpsertSql: each device's latest receipt, batch and seq of rows. */
export function watermarkValues(rows: VisitRecord[]): unknown[] {
  const marks = new Map<string, { through: VisitRecord; seq: VisitRecord | undefined }>();
  for (const r of rows) {
    const m = marks.get(r.deviceId);
    if (m === undefined) {
      marks.set(r.deviceId, { through: r, seq: r.seq === undefined ? undefined : r });
      continue;
    }
    if (Date.parse(r.receivedAt) > Date.parse(m.through.receivedAt)) m.through = r;
    if (r.seq !== undefined && (m.seq?.seq === undefined || r.seq > m.seq.seq)) m.seq = r;
  }
  const list = [...marks.values()];
  return [
    arrayLiteral(list.map((m) => m.through.deviceId)),
    arrayLiteral(list.map((m) => m.through.receivedAt)),
    arrayLiteral(list.map((m) => (m.seq ?? m.through).batchId)),
    arrayLiteral(list.map((m) => (m.seq?.seq === undefined ? null : String(m.seq.seq)))),
  ];
}

/**
 * The watermarks' upsert from parameters $first..$first+3 (watermarkValues), of the devices
 * whose id passes `deviceFilter` when given (a writer's single statement: its live devices).
 */
export function watermarkUpsertSql(first: number, deviceFilter?: string): string {
  const [d, t, b, s] = [first, first + 1, first + 2, first + 3];
  const where = deviceFilter === undefined ? '' : ` WHERE m.device_id ${deviceFilter}`;
  return `INSERT INTO device_watermarks AS w (device_id, applied_through, batch_id, applied_seq)
           SELECT * FROM unnest($${d}::uuid[], $${t}::timestamptz[], $${b}::uuid[], $${s}::bigint[])
             AS m(device_id, applied_through, batch_id, applied_seq)${where} ORDER BY 1
           ON CONFLICT (device_id) DO UPDATE
             SET applied_through = GREATEST(w.applied_through, EXCLUDED.applied_through),
                 applied_seq = GREATEST(w.applied_seq, EXCLUDED.applied_seq),
                 batch_id = CASE
                   WHEN EXCLUDED.applied_seq > w.applied_seq
                     OR (w.applied_seq IS NULL AND EXCLUDED.applied_seq IS NOT NULL)
                     OR (w.applied_seq IS NULL AND EXCLUDED.applied_through > w.applied_through)
                   THEN EXCLUDED.batch_id ELSE w.batch_id END
             WHERE w.applied_through < EXCLUDED.applied_through
                OR EXCLUDED.applied_seq > w.applied_seq
                OR (w.applied_seq IS NULL AND EXCLUDED.applied_seq IS NOT NULL)`;
}
