import type { RecordingSettings } from '../privacy/index.js';
import { type AnyItem, type ItemValues, readItems } from './read-items.js';
import {
  allowlistItem,
  allowlistOnlyItem,
  consentItem,
  pausedAllItem,
  pausedSitesItem,
  privacyLevelItem,
} from './storage-items.js';

/** The items the tracker's RecordingSettings are made of. */
export const RECORDING_SETTING_ITEMS = [
  consentItem,
  pausedAllItem,
  privacyLevelItem,
  pausedSitesItem,
  allowlistOnlyItem,
  allowlistItem,
] as const;

/** The tracker's RecordingSettings from what is in storage (fallbacks for what is not). */
export async function readRecordingSettings(): Promise<RecordingSettings> {
  return (await readRecordingSettingsAnd([]))[0];
}

/**
 * The RecordingSettings and the values of `extra` items, in one storage call (readItems): the
 * background's status reads both each time the popup asks, every second it is open.
 */
export async function readRecordingSettingsAnd<const T extends readonly AnyItem[]>(
  extra: T,
): Promise<[RecordingSettings, ItemValues<T>]> {
  const [consent, pausedAll, level, pausedSites, allowlistOnly, allowlist, ...rest] =
    await readItems([...RECORDING_SETTING_ITEMS, ...extra]);
  return [
    { consent, pausedAll, level, pausedSites, allowlistOnly, allowlist },
    rest as ItemValues<T>,
  ];
}

/** Whether two settings would make the tracker decide every page the same way. */
export function sameRecordingSettings(a: RecordingSettings, b: RecordingSettings): boolean {
  const sameList = (x: readonly string[], y: readonly string[]): boolean =>
    x.length === y.length && x.every((site, i) => site === y[i]);
  return (
    a.consent === b.consent &&
    a.pausedAll === b.pausedAll &&
    a.level === b.level &&
    a.allowlistOnly === b.allowlistOnly &&
    sameList(a.pausedSites, b.pausedSites) &&
    sameList(a.allowlist, b.allowlist)
  );
}

/**
 * Calls `onChange` whenever one of the recording settings changes in
 * storage (from this context or any other: popup, options page). Stops when
 * `signal` aborts.
 */
export function watchRecordingSettings(onChange: () => void, signal?: AbortSignal): void {
  const unwatchers = RECORDING_SETTING_ITEMS.map((item) => item.watch(() => onChange()));
  signal?.addEventListener('abort', () => {
    for (const unwatch of unwatchers) unwatch();
  });
}
