import type { Transition } from '#protocol';
import type { RecordingSettings } from '../privacy/index.js';

/** windows.WINDOW_ID_NONE: no browser window has focus. */
export const WINDOW_ID_NONE = -1;

export type IdleState = 'active' | 'idle' | 'locked';

/**
 * Every event carries the time the browser reported it (ms since the epoch,
 * stamped by the shell), so the reducer never reads a clock.
 */
interface Timed {
  at: number;
}

/** A top-level navigation committed (webNavigation.onCommitted, frameId 0). */
export interface NavigationCommitted extends Timed {
  type: 'navigationCommitted';
  tabId: number;
  windowId: number;
  url: string;
  title?: string | null;
  /** null for a page found already open (extension installed or updated). */
  transition: Transition | null;
  incognito: boolean;
}

/** A single-page-app route change (webNavigation.onHistoryStateUpdated, frameId 0). */
export interface HistoryStateUpdated extends Timed {
  type: 'historyStateUpdated';
  tabId: number;
  windowId: number;
  url: string;
  title?: string | null;
  incognito: boolean;
}

export interface TitleChanged extends Timed {
  type: 'titleChanged';
  tabId: number;
  title: string;
}

export interface TabActivated extends Timed {
  type: 'tabActivated';
  tabId: number;
  windowId: number;
}

export interface TabRemoved extends Timed {
  type: 'tabRemoved';
  tabId: number;
}

/** tabs.onReplaced: prerendered or discarded tab swapped in under a new id. */
export interface TabReplaced extends Timed {
  type: 'tabReplaced';
  addedTabId: number;
  removedTabId: number;
}

export interface WindowFocusChanged extends Timed {
  type: 'windowFocusChanged';
  /** WINDOW_ID_NONE when focus left the browser. */
  windowId: number;
}

export interface IdleStateChanged extends Timed {
  type: 'idleStateChanged';
  state: IdleState;
}

export interface AudibleChanged extends Timed {
  type: 'audibleChanged';
  tabId: number;
  audible: boolean;
}

/** The periodic alarm: bounds what a crash can lose. */
export interface Checkpoint extends Timed {
  type: 'checkpoint';
}

/** The browser started (runtime.onStartup): every tab id from before is gone. */
export interface Startup extends Timed {
  type: 'startup';
}

export interface SettingsChanged extends Timed {
  type: 'settingsChanged';
  settings: RecordingSettings;
}

export type TrackerEvent =
  | NavigationCommitted
  | HistoryStateUpdated
  | TitleChanged
  | TabActivated
  | TabRemoved
  | TabReplaced
  | WindowFocusChanged
  | IdleStateChanged
  | AudibleChanged
  | Checkpoint
  | Startup
  | SettingsChanged;
