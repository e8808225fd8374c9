import type { Pool } from './pool.js';
import {
  type ChangedDay,
  daysFrom,
  readerSnapshot,
  readSince,
  rowsOfSpan,
  type SinceRange,
  type SummaryDbRow,
} from './summary-changes-repo.js';

export type { ChangedDay, SinceRange, SummaryDbRow };

/**
 * The latest batch of a device the figures hold (migration summary-watermarks): every batch of
 * it the writer applied, up to this receivedAt, is in them.
 */
export interface Watermark {
  deviceId: string;
  appliedThrough: Date;
  batchId: string;
  /** The greatest of the device's own batch numbers applied (null: none with one yet). */
  appliedSeq: number | null;
}

export interface SummaryRead {
  rows: SummaryDbRow[];
  watermarks: Watermark[];
  /** The snapshot the figures were read in (pg_snapshot text): the next cursor's. */
  snapshot: string;
  /** Null: rows holds every day of the range; else the days it holds, each whole. */
  changed: ChangedDay[] | null;
}

/**
 * The figures of `deviceIds` per local day from..to (both included) in the zone `tz`, domain
 * and device, from visit_summary (migration 1796620000000): the daily rollup's rows, with the
 * hours near local midnight moved to the local day they fall on. `sorted` orders them by day,
 * domain and device id (a sort of every row); otherwise they come in no particular order.
 * Rows come as arrays of numbers and the domain: a year of a busy person is 171,000 of them,
 * and an object, a Date and a string per value would cost more than reading them. With them,
 * in the same snapshot, the devices' watermarks and the snapshot itself. `since`: an earlier
 * summary's snapshot of the same devices and zone and the days of its range within this one;
 * only those days changed since and the range's other days are read then
 * (summary-changes-repo.ts), unless the snapshot cannot be compared with this one.
 */
export async function readSummary(
  pool: Pool,
  deviceIds: string[],
  from: string,
  to: string,
  tz: string,
  sorted: boolean,
  since: SinceRange | null = null,
): Promise<SummaryRead> {
  const client = await pool.connect();
  let broken = false;
  try {
    // One snapshot for the figures, the watermarks and the cursor: a batch committed between two
    // reads would be in the one and not the other, and the extension would count it twice or
    // never, or miss it in its next incremental read.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { snapshot, usable, prunedBefore } = await readerSnapshot(
      client,
      since?.snapshot ?? null,
    );
    let rows: SummaryDbRow[];
    let changed: ChangedDay[] | null = null;
    if (since !== null && usable) {
      ({ rows, changed } = await readSince(
        client,
        deviceIds,
        from,
        to,
        tz,
        sorted,
        since,
        prunedBefore,
      ));
    } else {
      rows = await rowsOfSpan(client, deviceIds, from, 0, daysFrom(from, to), tz, sorted);
    }
    const w = await client.query<{
      device_id: string;
      applied_through: Date;
      batch_id: string;
      applied_seq: string | null;
    }>({
      name: 'read-watermarks',
      text: `SELECT device_id, applied_through, batch_id, applied_seq FROM device_watermarks
              WHERE device_id = ANY($1::uuid[])`,
      values: [deviceIds],
    });
    await client.query('COMMIT');
    return {
      rows,
      snapshot,
      changed,
      watermarks: w.rows.map((row) => ({
        deviceId: row.device_id,
        appliedThrough: row.applied_through,
        batchId: row.batch_id,
        appliedSeq: row.applied_seq === null ? null : Number(row.applied_seq),
      })),
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    client.release(broken ? true : undefined);
  }
}
