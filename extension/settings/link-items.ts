import { storage } from 'wxt/utils/storage';
import type { Summary } from '#protocol';

/**
 * The last answer of GET /api/v1/me/summary (All my browsers), with when this browser received
 * it: pages show it at once ("as of"), offline included, and replace it when a new one comes.
 */
export interface CachedSummary {
  summary: Summary;
  /** ms since the epoch, this browser's clock. */
  fetchedAt: number;
}

/** Null until a summary was read (and again after the credentials are forgotten or an unlink). */
export const allBrowsersSummaryItem = storage.defineItem<CachedSummary | null>(
  'local:allBrowsersSummary',
  { fallback: null, version: 1 },
);

/**
 * The summaries of the ranges the options page showed (stats/summary-cache.ts bounds them), so
 * that a range seen before shows at once, offline included. Forgotten with the last summary.
 */
export const allBrowsersRangesItem = storage.defineItem<CachedSummary[]>(
  'local:allBrowsersRanges',
  {
    fallback: [],
    version: 1,
  },
);

/** Forgets every cached summary: after a change of the linked browsers, an erase, a reset. */
export async function forgetAllBrowsersSummaries(): Promise<void> {
  await Promise.all([allBrowsersSummaryItem.setValue(null), allBrowsersRangesItem.setValue([])]);
}

/**
 * The options page's scope (this browser, or all the linked ones), one choice for all its
 * sections. Kept in storage rather than the address: the page opens from the browser's menu
 * without one, and a person who chose all their browsers expects to see them again there.
 */
export const optionsScopeItem = storage.defineItem<'this' | 'all'>('local:optionsScope', {
  fallback: 'this',
  version: 1,
});
