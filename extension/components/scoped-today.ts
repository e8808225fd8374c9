/**
 * Today's figures in the chosen scope, as the popup and the options page's overview show them:
 * this browser's rollups, or (under "all", once a summary is cached) every linked browser's,
 * each with this browser's open visits counted in.
 */
import type { DailyRollup } from '../db/index.js';
import type { OpenVisitFigure } from '../messaging/protocol.js';
import {
  type AllBrowsersDay,
  allBrowsersDay,
  type CategorySettings,
  type CategoryTotal,
  categoryTotals,
  type PopupToday,
  popupToday,
  siteOfMap,
  withOpenVisits,
} from '../stats/index.js';
import type { AllBrowsersState } from './use-all-browsers.js';

export interface ScopedToday {
  today: PopupToday;
  /** The day across the linked browsers; null under "this" or before a summary is cached. */
  allDay: AllBrowsersDay | null;
  /** Time per category in the scope; null until the person's categories are read. */
  categories: CategoryTotal[] | null;
}

export function scopedToday(
  day: string,
  recorded: readonly DailyRollup[],
  open: readonly OpenVisitFigure[],
  all: Pick<AllBrowsersState, 'scope' | 'reply' | 'unacknowledged' | 'sites'>,
  sites: Record<string, string>,
  categories: CategorySettings | null,
): ScopedToday {
  const allDay =
    all.scope === 'all' && all.reply !== null
      ? allBrowsersDay(all.reply, day, all.unacknowledged, open)
      : null;
  // "All" without a summary yet shows this browser's figures (the scope switch says so).
  const shown = allDay?.rows ?? recorded;
  const today = popupToday(day, shown, open, undefined, siteOfMap({ ...all.sites, ...sites }));
  const rows = withOpenVisits(shown, open, { from: day, to: day });
  return {
    today,
    allDay,
    categories: categories === null ? null : categoryTotals(rows, categories),
  };
}
