/**
 * All my browsers: the server's summary (every linked browser's visits the server has written)
 * plus what this browser holds that the summary does not contain yet, so that nothing counts
 * twice or not at all.
 */
import type { LinkedDevice, Summary } from '#protocol';
import {
  type DailyRollup,
  type DayOf,
  localDayOf,
  type StoredVisit,
  type TracksphereDb,
  visitsStartedIn,
} from '../db/index.js';
import type { AllBrowsersReply, OpenVisitFigure } from '../messaging/protocol.js';
import { withOpenVisits } from './open-visits.js';

/** What a summary tells of this browser's acknowledged visits it holds. */
export interface SummaryMark {
  /** When this browser received the summary (its own clock). */
  fetchedAt: number;
  /**
   * This browser's watermark in it (ms): the server's receivedAt of the latest batch of this
   * browser the figures hold; null: none yet. Undefined: a server without watermarks.
   */
  appliedThrough?: number | null;
  /** The batchId at that watermark (null: none). */
  lastBatchId?: string | null;
  /**
   * This browser's greatest batch number (`seq`) the figures hold; null: none yet. Undefined: a
   * server that does not order by it.
   */
  appliedSeq?: number | null;
}

/** The mark of a cached summary for this browser, `deviceId` (default: the summary's caller). */
export function summaryMark(
  cached: { summary: Summary; fetchedAt: number },
  deviceId: string | null,
): SummaryMark {
  const { summary, fetchedAt } = cached;
  if (summary.appliedThrough === undefined) return { fetchedAt };
  const id = deviceId ?? summary.devices.find((d) => d.thisDevice)?.id ?? null;
  const through = id === null ? undefined : summary.appliedThrough[id];
  // Figures of this browser with no watermark were written by a writer that keeps none (one of
  // an older version, during a rolling deploy): counted as a server without watermarks would be.
  if (through === undefined && summary.rows.some((row) => row.deviceId === id)) {
    return { fetchedAt };
  }
  return {
    fetchedAt,
    appliedThrough: through === undefined ? null : Date.parse(through),
    lastBatchId: summary.lastBatchId ?? null,
    ...(summary.appliedSeq === undefined ? {} : { appliedSeq: summary.appliedSeq }),
  };
}

/**
 * Whether a visit of this browser is missing from a summary (`mark`; a number: only when it
 * was received, from a server without watermarks):
 * - pending (in the outbox): the server will receive it, and has not acknowledged it;
 * - local (recorded with sync off, or imported) and rejected (refused as invalid): the server
 *   does not have them and will not unless the person sends earlier history (then pending);
 * - sent, with the batch's own number (`seq`, from a server that orders by it): missing while
 *   the summary's appliedSeq for this browser is below it, with the same exception as below;
 * - sent, with the server's receivedAt: missing while the summary's watermark for this browser
 *   is before it (in Kafka mode the server writes a batch after acknowledging it), unless one
 *   of the batches that carried it is the batch at the watermark (an earlier send whose answer
 *   was lost, stored already: the resend is counted once);
 * - sent, without it (a server without watermarks, a restored export's visit): in the summary,
 *   unless acknowledged after the summary was received (then the summary, read before, may
 *   not hold it). Only a visit stored on the server in the moment between the summary's
 *   reading and its arrival, and acknowledged after, counts twice, until the next summary.
 */
export function missingFromSummary(visit: StoredVisit, mark: SummaryMark | number): boolean {
  if (visit.syncState !== 'sent') return true;
  const m = typeof mark === 'number' ? { fetchedAt: mark } : mark;
  // No number applied yet (null) while the visit has one: a writer from before the numbers
  // may have written its batch (a rolling deploy), so the receivedAt watermark decides.
  if (typeof m.appliedSeq === 'number' && visit.ackSeq !== undefined) {
    if (m.lastBatchId != null && visit.ackBatches?.includes(m.lastBatchId) === true) return false;
    return visit.ackSeq > m.appliedSeq;
  }
  if (m.appliedThrough !== undefined && visit.ackedAt !== undefined) {
    if (m.lastBatchId != null && visit.ackBatches?.includes(m.lastBatchId) === true) return false;
    return m.appliedThrough === null || visit.ackedAt > m.appliedThrough;
  }
  return (visit.sentAt ?? 0) > m.fetchedAt;
}

/** ms of local midnight starting `day` (YYYY-MM-DD). */
function startOfDay(day: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d).getTime();
}

/** This browser's visits of `day` the summary (`mark`) lacks, as rollup rows. */
export async function unacknowledgedRows(
  db: TracksphereDb,
  day: string,
  mark: SummaryMark | number,
  dayOf: DayOf = localDayOf,
): Promise<DailyRollup[]> {
  const fromMs = startOfDay(day);
  // A day may be 23 or 25 hours long: read a little more, keep the day's visits.
  const visits = await visitsStartedIn(db, {
    fromMs: fromMs - 3_600_000,
    toMs: fromMs + 26 * 3_600_000,
  });
  const byDomain = new Map<string, DailyRollup>();
  for (const visit of visits) {
    if (dayOf(visit.startedMs) !== day || !missingFromSummary(visit, mark)) continue;
    const row = byDomain.get(visit.domain) ?? { day, domain: visit.domain, activeMs: 0, visits: 0 };
    row.activeMs += visit.activeMs;
    row.visits += 1;
    byDomain.set(visit.domain, row);
  }
  return [...byDomain.values()];
}

export interface BrowserShare {
  device: LinkedDevice;
  activeMs: number;
}

export interface AllBrowsersDay {
  /** Every linked browser's rows of the day, this browser's open visits excluded. */
  rows: DailyRollup[];
  /** Each browser's time that day, this one's open visits included. */
  byBrowser: BrowserShare[];
  /** When the summary was received (the "as of" shown). */
  asOf: number;
}

/**
 * The day's figures across the linked browsers: the summary's rows plus this browser's
 * unacknowledged rows (and open visits, for its share), or null without a summary for the day.
 */
export function allBrowsersDay(
  reply: AllBrowsersReply,
  day: string,
  unacknowledged: readonly DailyRollup[],
  open: readonly OpenVisitFigure[],
): AllBrowsersDay | null {
  const { cached } = reply;
  if (cached === null) return null;
  const { summary } = cached;
  const dayRows = summary.rows.filter((row) => row.date === day);
  const rows: DailyRollup[] = [
    ...dayRows.map((row) => ({
      day,
      domain: row.domain,
      activeMs: row.activeMs,
      visits: row.visits,
    })),
    ...unacknowledged,
  ];
  const openMs = withOpenVisits([], open, { from: day, to: day }).reduce(
    (sum, row) => sum + row.activeMs,
    0,
  );
  const ownExtra = unacknowledged.reduce((sum, row) => sum + row.activeMs, 0) + openMs;
  const byBrowser = summary.devices.map((device) => {
    const served = dayRows
      .filter((row) => row.deviceId === device.id)
      .reduce((sum, row) => sum + row.activeMs, 0);
    const mine = device.thisDevice || device.id === reply.deviceId;
    return { device, activeMs: served + (mine ? ownExtra : 0) };
  });
  return { rows, byBrowser, asOf: cached.fetchedAt };
}
