export {
  type AllBrowsersDay,
  allBrowsersDay,
  type BrowserShare,
  missingFromSummary,
  type SummaryMark,
  summaryMark,
  unacknowledgedRows,
} from './all-browsers.js';
export {
  allCategories,
  assignCategory,
  BUILT_IN_CATEGORIES,
  type BuiltInCategory,
  builtInCategoryOf,
  type CategoryNameProblem,
  type CategorySettings,
  type CustomCategory,
  categoryNameProblem,
  categoryOf,
  createCategory,
  deleteCategory,
  renameCategory,
} from './categories.js';
export {
  type CategorySegment,
  type CategoryTotal,
  categoryDays,
  categoryTotals,
  type DaySplit,
  loadTrendBeforeWithRows,
} from './category-totals.js';
export { formatDayLabel, formatDuration, formatWeekday } from './format-duration.js';
export {
  filterAndSortSites,
  HISTORY_DAYS,
  type HistoryStats,
  loadHistory,
  type SiteSort,
} from './history-stats.js';
export { openVisitRows, withOpenVisits } from './open-visits.js';
export { localToday, pageDb } from './page-db.js';
export {
  loadPopupStats,
  loadPopupToday,
  loadPopupWeek,
  loadTrendBefore,
  POPUP_TOP_SITES,
  POPUP_TREND_DAYS,
  type PopupStats,
  type PopupToday,
  popupToday,
  todayRollups,
  trendStart,
} from './popup-stats.js';
export { loadRejected, REJECTED_LIST_LIMIT, type RejectedRow } from './rejected-list.js';
export { type SiteBar, type SiteOf, siteBars, siteOfMap, withShares } from './site-shares.js';
