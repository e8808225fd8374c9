/**
 * The popup's scope: this browser, or all the linked browsers. "All" shows the cached summary at
 * once (with "as of"), asks the background for a new one (3 s at most) without holding the
 * figures up, and adds this browser's visits the summary cannot hold yet (stats/all-browsers.ts).
 */
import { useEffect, useState } from 'preact/hooks';
import type { DailyRollup } from '../db/index.js';
import { type AllBrowsersReply, sendMessage } from '../messaging/protocol.js';
import { pageDb, summaryMark, unacknowledgedRows } from '../stats/index.js';

export type ViewScope = 'this' | 'all';

export interface AllBrowsersState {
  scope: ViewScope;
  setScope(scope: ViewScope): void;
  reply: AllBrowsersReply | null;
  /** Whether the server's answer is still awaited (the cached figures show meanwhile). */
  refreshing: boolean;
  unacknowledged: DailyRollup[];
  /** The site of each host of the summary (sitesOf). */
  sites: Record<string, string>;
}

export function useAllBrowsers(
  day: string | null,
  sitesOf: (hosts: Iterable<string>) => Promise<Record<string, string>>,
  tick: unknown,
): AllBrowsersState {
  const [scope, setScope] = useState<ViewScope>('this');
  const [reply, setReply] = useState<AllBrowsersReply | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const [unacknowledged, setUnacknowledged] = useState<DailyRollup[]>([]);
  const [sites, setSites] = useState<Record<string, string>>({});

  useEffect(() => {
    if (scope !== 'all' || day === null) return;
    let current = true;
    const range = { from: day, to: day, tz: Intl.DateTimeFormat().resolvedOptions().timeZone };
    const take = async (next: AllBrowsersReply): Promise<void> => {
      const hosts = next.cached?.summary.rows.map((row) => row.domain) ?? [];
      const read = await sitesOf(hosts);
      if (!current) return;
      setSites(read);
      setReply((shown) =>
        next.cached === null && shown?.cached ? { ...shown, error: next.error } : next,
      );
    };
    setRefreshing(true);
    sendMessage('getAllBrowsersSummary', { ...range, refresh: false })
      .then(take)
      .then(() => sendMessage('getAllBrowsersSummary', { ...range, refresh: true }))
      .then(take)
      .catch(() => undefined)
      .finally(() => current && setRefreshing(false));
    return () => {
      current = false;
    };
  }, [scope, day]);

  const cached = reply?.cached ?? null;
  // tick: the unacknowledged visits are read again each time the figures are.
  useEffect(() => {
    if (scope !== 'all' || day === null || cached === null) return;
    let current = true;
    unacknowledgedRows(pageDb(), day, summaryMark(cached, reply?.deviceId ?? null)).then(
      (rows) => current && setUnacknowledged(rows),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [scope, day, cached, tick]);

  return { scope, setScope, reply, refreshing, unacknowledged, sites };
}
