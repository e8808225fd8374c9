export { addDays, type DayOf, localDayOf, makeDayOf } from './day.js';
export { eraseLocalData, resetSyncState } from './erase.js';
export {
  daysToRange,
  eraseHistory,
  type HistoryEraseFilter,
  type HistoryEraseResult,
  localStartOfDay,
} from './erase-history.js';
export {
  CSV_COLUMNS,
  type ExportedVisit,
  exportVisits,
  exportVisitsCsv,
  visitsToCsv,
} from './export-visits.js';
export { type HeatRead, heatRead } from './heat-windows.js';
export {
  type BatchAck,
  localCount,
  markRejected,
  markSent,
  oldestPending,
  pendingCount,
  queueLocalVisits,
  type RecentAck,
  type Rejection,
  rejectedVisits,
  settleBatch,
} from './outbox-repo.js';
export { type RecordOptions, recordFinishedVisits } from './record-visits.js';
export { type PruneOptions, pruneVisits } from './retention.js';
export {
  type CachedSummaryRange,
  type DailyRollup,
  DEFAULT_DB_NAME,
  type HeatRollup,
  openTracksphereDb,
  type PageCell,
  type PageRollup,
  type StoredVisit,
  type SummaryHead,
  type SyncError,
  type SyncMeta,
  type SyncState,
  type TrackerStateRow,
  type TracksphereDb,
} from './schema.js';
export {
  activeMsOnDay,
  type DayRange,
  type DayTotal,
  dailyTotals,
  dayTotals,
  rollupsInRange,
  type SiteTotal,
  siteTotals,
  topSites,
} from './stats-queries.js';
export {
  cachedSummaryRanges,
  cachedSummaryRows,
  clearCachedSummaries,
  dropCachedSummariesBefore,
  storeCachedSummary,
  summaryRangeId,
} from './summary-store.js';
export {
  clearSyncBlock,
  getSyncMeta,
  INITIAL_SYNC_META,
  updateSyncMeta,
} from './sync-meta-repo.js';
export {
  getSyncStatus,
  SYNC_SOON_THRESHOLD,
  type SyncStatus,
  shouldSyncSoon,
} from './sync-status.js';
export { NO_ADDRESS, type TailPage } from './tail-pages.js';
export type { TopPages } from './top-pages.js';
export {
  heatRollupsIn,
  hostVisits,
  pageRollupsIn,
  type TimeRange,
  topPagesIn,
  visitsStartedIn,
} from './visit-queries.js';
export { pathOf, QUARTER_MS } from './visit-rollups.js';
