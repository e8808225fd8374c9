import type { VisitEvent } from '#protocol';
import { applyEvent } from './apply-event.js';
import { accrueUntil } from './attention.js';
import { type TrackerEvent, WINDOW_ID_NONE } from './tracker-events.js';
import { copyState, type TrackerState } from './tracker-state.js';
import { splitPastBound, toVisitEvent } from './visit-lifecycle.js';

export interface TrackerDeps {
  /** Makes the ids of visits and sessions (UUID v7 in the extension). */
  newId: () => string;
  /**
   * Longest span between two events that still earns active time. Checkpoint
   * alarms keep spans short while the browser runs, so a longer one means the
   * machine slept; pass a few checkpoint intervals. Default: no limit.
   */
  maxAccrualGapMs?: number;
}

export interface StepResult {
  state: TrackerState;
  /** Visits that ended in this step, ready for the outbox. */
  finished: VisitEvent[];
}

/**
 * Closes what a crash or shutdown left open. Tab ids do not survive a browser
 * restart, so all tab, window and focus knowledge goes too. Visits end at the
 * last moment the tracker saw (its last event, which is never before the last
 * checkpoint), with the active time credited up to then and none after.
 */
function recover(
  state: TrackerState,
  at: number,
  newId: () => string,
  finished: VisitEvent[],
): void {
  const lastSeen = Math.max(state.clock ?? at, state.lastCheckpointAt ?? at);
  for (const tab of Object.values(state.tabs)) {
    if (tab.visit) {
      finished.push(toVisitEvent(splitPastBound(tab.visit, lastSeen, newId, finished), lastSeen));
    }
  }
  state.tabs = {};
  state.activeTabs = {};
  state.focusedWindowId = WINDOW_ID_NONE;
  state.idle = 'active';
  state.lastCheckpointAt = null;
  state.clock = at;
}

/**
 * The tracker's reducer: pure, over JSON data. Events are applied in the order
 * given; one stamped earlier than the previous event (a wall clock stepped
 * back) counts as happening at the previous event's time, so durations are
 * never negative.
 */
export function step(state: TrackerState, event: TrackerEvent, deps: TrackerDeps): StepResult {
  if (!Number.isFinite(event.at)) throw new RangeError(`${event.type}: 'at' must be a finite time`);
  const draft = copyState(state);
  const finished: VisitEvent[] = [];
  const at = Math.max(Math.floor(event.at), draft.clock ?? Number.NEGATIVE_INFINITY);
  if (event.type === 'startup') {
    recover(draft, at, deps.newId, finished);
    return { state: draft, finished };
  }
  accrueUntil(draft, at, deps.maxAccrualGapMs ?? Number.POSITIVE_INFINITY);
  for (const tab of Object.values(draft.tabs)) {
    if (tab.visit) tab.visit = splitPastBound(tab.visit, at, deps.newId, finished);
  }
  draft.clock = at;
  applyEvent(draft, event, { at, newId: deps.newId, finished });
  return { state: draft, finished };
}
