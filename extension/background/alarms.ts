import { browser } from 'wxt/browser';

/** Checkpoints bound what a killed worker or a crash can lose (tracker README). */
export const CHECKPOINT_ALARM = 'checkpoint';
export const CHECKPOINT_PERIOD_MINUTES = 1;
export const SYNC_ALARM = 'sync';
export const SYNC_PERIOD_MINUTES = 15;

/**
 * A span between two events longer than this earns no active time: alarms
 * keep spans to about a minute while the browser runs, so a longer one means
 * the machine slept (or alarms were held back) and nobody was there.
 */
export const MAX_ACCRUAL_GAP_MS = 3 * CHECKPOINT_PERIOD_MINUTES * 60_000;

const PERIODS: Record<string, number> = {
  [CHECKPOINT_ALARM]: CHECKPOINT_PERIOD_MINUTES,
  [SYNC_ALARM]: SYNC_PERIOD_MINUTES,
};

/**
 * Creates the periodic alarms that are missing. Run on every worker start:
 * browsers may drop alarms on restart or update, and creating an alarm that
 * exists would push its next run back.
 */
export async function ensureAlarms(): Promise<void> {
  await Promise.all(
    Object.entries(PERIODS).map(async ([name, periodInMinutes]) => {
      if (await browser.alarms.get(name)) return;
      await browser.alarms.create(name, { periodInMinutes, delayInMinutes: periodInMinutes });
    }),
  );
}
