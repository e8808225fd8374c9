import type { VisitEvent } from '#protocol';
import { accrueUntil } from './attention.js';
import { copyState, type TrackerState } from './tracker-state.js';
import { toVisitEvent } from './visit-lifecycle.js';

/**
 * The visits still open, as they would be if they ended at `at`: for the
 * popup's live figures. The state is not changed and nothing is recorded.
 */
export function openVisitsAt(
  state: TrackerState,
  at: number,
  maxAccrualGapMs: number = Number.POSITIVE_INFINITY,
): VisitEvent[] {
  const draft = copyState(state);
  const until = Math.max(Math.floor(at), draft.clock ?? Number.NEGATIVE_INFINITY);
  accrueUntil(draft, until, maxAccrualGapMs);
  return Object.values(draft.tabs).flatMap((tab) =>
    tab.visit ? [toVisitEvent(tab.visit, until)] : [],
  );
}
