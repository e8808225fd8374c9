/**
 * The options page's range under "All my browsers": the cached summary of the range (a range
 * seen before shows at once, offline included, with "as of"), then the server's, asked for
 * behind it (3 s at most), each with this browser's visits the summary lacks and its open ones.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ViewScope } from '../../components/use-all-browsers.js';
import type { DayRange } from '../../db/index.js';
import { type AllBrowsersReply, sendMessage } from '../../messaging/protocol.js';
import { summaryMark } from '../../stats/all-browsers.js';
import type { InsightSources } from '../../stats/insights.js';
import { type RangeAcross, rangeAcross, unacknowledgedInRange } from '../../stats/range-across.js';

export interface RangeAcrossState {
  /** null under "this", while the first answer is read, or without a summary for the range. */
  across: RangeAcross | null;
  /** Whether the server's answer is still awaited (the cached figures show meanwhile). */
  refreshing: boolean;
}

async function figures(
  reply: AllBrowsersReply,
  range: DayRange,
  sources: InsightSources,
): Promise<RangeAcross | null> {
  const { cached } = reply;
  if (cached === null) return null;
  const [unacknowledged, open] = await Promise.all([
    unacknowledgedInRange(
      sources.db,
      range,
      summaryMark(cached, reply.deviceId),
      sources.dayOf,
      sources.startOfDay,
    ),
    sources.open(),
  ]);
  const hosts = new Set([
    ...cached.summary.rows.map((row) => row.domain),
    ...unacknowledged.map((row) => row.domain),
    ...open.map((visit) => visit.domain),
  ]);
  const siteOf = await sources.sitesOf?.([...hosts]);
  return rangeAcross(reply, range, unacknowledged, open, siteOf, sources.dayOf);
}

export function useRangeAcross(
  range: DayRange,
  scope: ViewScope,
  sources: InsightSources,
): RangeAcrossState {
  const [across, setAcross] = useState<RangeAcross | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  useEffect(() => {
    setAcross(null);
    if (scope !== 'all') return;
    let current = true;
    const ask = { ...range, tz: Intl.DateTimeFormat().resolvedOptions().timeZone };
    // A failed refresh (offline, slow) keeps what the cache showed.
    const take = async (reply: AllBrowsersReply): Promise<void> => {
      const next = await figures(reply, range, sources);
      if (current && next !== null) setAcross(next);
    };
    setRefreshing(true);
    sendMessage('getAllBrowsersSummary', { ...ask, refresh: false })
      .then(take)
      .then(() => sendMessage('getAllBrowsersSummary', { ...ask, refresh: true }))
      .then(take)
      .catch(() => undefined)
      .finally(() => current && setRefreshing(false));
    return () => {
      current = false;
    };
  }, [scope, range.from, range.to, sources]);
  return { across, refreshing };
}
