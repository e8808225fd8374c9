export { formatDayLabel, formatDuration } from './format-duration.js';
export {
  filterAndSortSites,
  HISTORY_DAYS,
  type HistoryStats,
  loadHistory,
  type SiteSort,
} from './history-stats.js';
export { localToday, pageDb } from './page-db.js';
export {
  loadPopupStats,
  loadPopupToday,
  loadPopupWeek,
  POPUP_TOP_SITES,
  POPUP_TREND_DAYS,
  type PopupStats,
  type PopupToday,
  trendStart,
} from './popup-stats.js';
export { loadRejected, REJECTED_LIST_LIMIT, type RejectedRow } from './rejected-list.js';
export { type SiteBar, withShares } from './site-shares.js';
