import type { TargetedMouseEvent } from 'preact';

export interface BusyControlProps<T extends EventTarget> {
  'aria-disabled'?: 'true';
  onClick: (e: TargetedMouseEvent<T>) => void;
}

/**
 * The props of a control while its action may be saving: it stays focusable (a disabled
 * control drops the keyboard focus to the page, and the person's next Space or Enter with
 * it), says it is unavailable, and ignores presses until the save is done. A checkbox's
 * press is undone (preventDefault), so it keeps showing the saved state.
 */
export function whileBusy<T extends EventTarget = HTMLButtonElement>(
  busy: boolean,
  onClick: (e: TargetedMouseEvent<T>) => void,
): BusyControlProps<T> {
  return {
    ...(busy ? { 'aria-disabled': 'true' as const } : {}),
    onClick: (e) => {
      if (busy) {
        e.preventDefault();
        return;
      }
      onClick(e);
    },
  };
}
