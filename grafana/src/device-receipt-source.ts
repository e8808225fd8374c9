import { edgeHours, ROLLUP_MIN_RANGE_S, union, wholeHours } from './rollup-ranges.js';
import { LATE_ARRIVAL_WINDOW_S, rawStartedWithin, receivedInRange } from './sql-filters.js';
import { indentTail } from './sql-text.js';
import { cohortFilter } from './variables.js';

/**
 * True after expansion when the range is a day or longer: then the whole UTC hours of the
 * visits received in it come from visit_device_receipt_hours (migration pages-device-receipts:
 * per device and hour of receipt, the visits and the last receive time). Spelled apart from
 * LONG_RANGE so that a test can force these panels alone onto visits.
 */
export const DEVICE_RECEIPTS = `(${ROLLUP_MIN_RANGE_S} <= $__unixEpochTo() - $__unixEpochFrom())`;

/** What the rollup counts that the visits path does not (receivedInRange's raw-start bound). */
export const LATE_RECEIPTS =
  ' Over ranges of a day or more the whole hours come from hourly counts per device, which ' +
  'also count events whose device start time lies more than 7 days outside the range.';

/**
 * Rows (device_id, last_received, visits) of the visits received in the range from devices of
 * the chosen cohorts, spliced at `spaces`: over a day or more the whole hours from the rollup
 * and the partial hours at the edges from visits (the received_at index), otherwise visits.
 */
export function receivedByDevice(spaces: number, alias = 'rv'): string {
  const visits = 'SELECT device_id, received_at AS last_received, 1::bigint AS visits\nFROM visits';
  return union(
    [
      [
        'SELECT device_id, last_received, visits\nFROM visit_device_receipt_hours',
        `${DEVICE_RECEIPTS}\nAND ${wholeHours()}\nAND ${cohortFilter()}`,
      ],
      [
        visits,
        `${DEVICE_RECEIPTS}\nAND ${rawStartedWithin(LATE_ARRIVAL_WINDOW_S)}\nAND ${edgeHours('received_at')}\nAND ${cohortFilter()}`,
      ],
      [visits, `NOT ${DEVICE_RECEIPTS}\nAND ${receivedInRange()}\nAND ${cohortFilter()}`],
    ],
    alias,
    spaces,
  );
}

/**
 * Whether device `id` (a column) has visits received in the range: over a day or more the
 * first of its receipt hours in the range (its primary key's range, one probe per device) or
 * one of the edge hours' devices; otherwise its first visit received in the range (the
 * (device_id, started_at) index). Summing every device's receipt hours of 90 days to learn
 * which devices synced took 2 s at 3,000,000 visits.
 */
export function deviceSynced(id: string): string {
  return [
    '(EXISTS (',
    '   SELECT 1',
    '   FROM visit_device_receipt_hours',
    `   WHERE ${DEVICE_RECEIPTS}`,
    `     AND device_id = ${id}`,
    `     AND ${wholeHours()}`,
    ' )',
    ` OR ${id} IN (`,
    '   SELECT device_id',
    '   FROM visits',
    `   WHERE ${DEVICE_RECEIPTS}`,
    `     AND ${rawStartedWithin(LATE_ARRIVAL_WINDOW_S)}`,
    `     AND ${indentTail(edgeHours('received_at'), 5)}`,
    ' )',
    ' OR EXISTS (',
    '   SELECT 1',
    '   FROM visits',
    `   WHERE NOT ${DEVICE_RECEIPTS}`,
    `     AND device_id = ${id}`,
    `     AND ${indentTail(receivedInRange(), 5)}`,
    ' ))',
  ].join('\n');
}
