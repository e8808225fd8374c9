import { browser } from 'wxt/browser';
import {
  idleThresholdSecondsItem,
  MAX_IDLE_THRESHOLD_SECONDS,
  MIN_IDLE_THRESHOLD_SECONDS,
} from '../settings/index.js';

/** A whole number of seconds that browser.idle accepts. */
export function clampIdleThreshold(seconds: number): number {
  if (!Number.isFinite(seconds)) return MIN_IDLE_THRESHOLD_SECONDS;
  return Math.min(
    MAX_IDLE_THRESHOLD_SECONDS,
    Math.max(MIN_IDLE_THRESHOLD_SECONDS, Math.round(seconds)),
  );
}

export async function idleThresholdSeconds(): Promise<number> {
  return clampIdleThreshold(await idleThresholdSecondsItem.getValue());
}

/** Tells browser.idle the person's threshold; it does not outlive the worker, so run on every start. */
export function applyIdleThreshold(seconds: number): void {
  browser.idle.setDetectionInterval(clampIdleThreshold(seconds));
}
