export { attendedVisitTabIds, isAttended } from './attention.js';
export { openVisitsAt } from './open-visits.js';
export { SESSION_GAP_MS } from './session.js';
export { type StepResult, step, type TrackerDeps } from './step.js';
export type * from './tracker-events.js';
export { WINDOW_ID_NONE } from './tracker-events.js';
export {
  DEFAULT_SETTINGS,
  initialTrackerState,
  type OpenVisit,
  type SessionState,
  type TabState,
  type TrackerState,
} from './tracker-state.js';
