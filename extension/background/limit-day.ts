/**
 * Today's limit state (notices fired, "5 more minutes", "open anyway") changes in one
 * place: the limit watch records notices while the limit-reached page records the person's
 * choice, and each reads the stored state, steps it and writes it back across awaits. Run
 * side by side, the later write would drop the earlier one's change (a snooze lost, or a
 * notice shown again), so every change is a step on the state as stored, one at a time.
 */
import { dayStateFor, type LimitDayState } from '../limits/limits.js';
import { limitDayItem } from '../settings/limit-items.js';
import { createSerialQueue } from './serial-queue.js';

const changes = createSerialQueue();

/**
 * Applies `step` to the state of `today` as stored now and stores what it answers (nothing
 * when it answers the state it was given); resolves the state as stored after.
 */
export function updateLimitDay(
  today: string,
  step: (state: LimitDayState) => LimitDayState = (state) => state,
): Promise<LimitDayState> {
  return changes.run(async () => {
    const stored = await limitDayItem.getValue();
    const current = dayStateFor(stored, today);
    const next = step(current);
    if (next !== stored) await limitDayItem.setValue(next);
    return next;
  });
}

/**
 * Runs `act` on the state of `today` as stored now, in turn with the changes: a choice the
 * person makes meanwhile ("open anyway") waits for it, and one made before it is what it sees,
 * so nothing decided on an older state undoes it.
 */
export function withLimitDay<T>(
  today: string,
  act: (state: LimitDayState) => Promise<T>,
): Promise<T> {
  return changes.run(async () => act(dayStateFor(await limitDayItem.getValue(), today)));
}

/** Forgets today's state (the person erased their local data), after the changes queued. */
export function clearLimitDay(): Promise<void> {
  return changes.run(() => limitDayItem.setValue(null));
}
