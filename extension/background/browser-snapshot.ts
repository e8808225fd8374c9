import { browser } from 'wxt/browser';
import { WINDOW_ID_NONE } from '../tracker/index.js';
import { type BrowserSnapshot, snapshotEvents, type TabInfo } from './browser-events.js';
import { idleThresholdSeconds } from './idle-detection.js';
import type { EventSource } from './tracker-service.js';

async function snapshotTabs(allTabs: boolean): Promise<TabInfo[]> {
  if (allTabs) return browser.tabs.query({});
  const [active, audible]: [TabInfo[], TabInfo[]] = await Promise.all([
    browser.tabs.query({ active: true }),
    browser.tabs.query({ audible: true }),
  ]);
  // An active tab playing sound is in both lists.
  return [...new Map([...active, ...audible].map((tab) => [tab.id, tab])).values()];
}

/** Reads the focused window, the tabs (all, or the active and audible ones) and the idle state. */
export async function readBrowserSnapshot(options: { allTabs: boolean }): Promise<BrowserSnapshot> {
  const [windows, tabs, idle]: [{ id?: number; focused: boolean }[], TabInfo[], string] =
    await Promise.all([
      browser.windows.getAll(),
      snapshotTabs(options.allTabs),
      idleThresholdSeconds().then((seconds) => browser.idle.queryState(seconds)),
    ]);
  const focused = windows.find((window) => window.focused);
  return { focusedWindowId: focused?.id ?? WINDOW_ID_NONE, tabs, idle };
}

/**
 * The present state of the browser as tracker events, read when its turn in
 * the queue comes (so after `startup`, when that was queued first).
 */
export function browserSnapshotSource(
  at: number,
  options: { pagesAlreadyOpen: boolean },
): EventSource {
  return async (state) => {
    const snapshot = await readBrowserSnapshot({ allTabs: options.pagesAlreadyOpen });
    return snapshotEvents(state, snapshot, at, options);
  };
}
