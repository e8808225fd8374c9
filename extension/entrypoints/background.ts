// The background only wires (STYLE.md convention 1): every listener is
// registered synchronously on each worker start, before anything is awaited,
// so the browser can deliver the event that woke the worker. The work lives in
// extension/background/ and extension/messaging/.
import { v7 as uuidv7 } from 'uuid';
import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { z } from 'zod';
import { MAX_ACCRUAL_GAP_MS } from '../background/alarms.js';
import { createBackgroundListeners } from '../background/background-listeners.js';
import { createBadgeUpdater } from '../background/badge.js';
import { createHistoryEraser, resendErasesAfterSync } from '../background/history-erase.js';
import { createLimitWatch } from '../background/limit-watch.js';
import { createLocalRetention } from '../background/local-retention.js';
import { createMessageHandlers, registerMessageHandlers } from '../background/message-handlers.js';
import { applyUninstallUrl } from '../background/study-sync.js';
import { createSyncRunner, createSyncSetup, syncWhenBacklog } from '../background/sync-runner.js';
import { createTrackerService } from '../background/tracker-service.js';
import { readTrackerStatus } from '../background/tracker-status.js';
import { createTrackerStore } from '../background/tracker-store.js';
import { createVisitRecorder } from '../background/visit-recorder.js';
import { localDayOf, openTracksphereDb } from '../db/index.js';
import {
  idleThresholdSecondsItem,
  toolbarBadgeItem,
  watchRecordingSettings,
} from '../settings/index.js';
import { limitsItem } from '../settings/limit-items.js';

export default defineBackground(() => {
  // zod would probe for eval with new Function, which the extension's CSP refuses (and reports).
  z.config({ jitless: true });
  const db = openTracksphereDb();
  const runSync = resendErasesAfterSync(createSyncRunner(db), createHistoryEraser(db));
  const tracker = createTrackerService({
    store: createTrackerStore({
      db,
      recordVisits: createVisitRecorder(db, localDayOf, syncWhenBacklog(db, runSync)),
    }),
    newId: uuidv7,
    maxAccrualGapMs: MAX_ACCRUAL_GAP_MS,
  });
  const status = () => readTrackerStatus({ tracker, now: Date.now });
  const refreshBadge = createBadgeUpdater({
    db,
    now: Date.now,
    status,
    async setBadgeText(text) {
      await browser.action.setBadgeBackgroundColor({ color: '#3b4a6b' });
      await browser.action.setBadgeText({ text });
    },
  });
  const checkLimits = createLimitWatch({ db, now: Date.now, status });
  const on = createBackgroundListeners({
    tracker,
    runSync,
    maintain: createLocalRetention(db),
    refreshBadge,
    checkLimits,
  });

  browser.webNavigation.onCommitted.addListener(on.onNavigationCommitted);
  browser.webNavigation.onHistoryStateUpdated.addListener(on.onHistoryStateUpdated);
  browser.tabs.onActivated.addListener(on.onTabActivated);
  browser.tabs.onRemoved.addListener(on.onTabRemoved);
  browser.tabs.onReplaced?.addListener(on.onTabReplaced);
  browser.tabs.onUpdated.addListener(on.onTabUpdated);
  browser.windows.onFocusChanged.addListener(on.onWindowFocusChanged);
  browser.idle.onStateChanged.addListener(on.onIdleStateChanged);
  browser.alarms.onAlarm.addListener(on.onAlarm);
  browser.runtime.onStartup.addListener(on.onStartup);
  browser.runtime.onInstalled.addListener(on.onInstalled);
  watchRecordingSettings(on.onRecordingSettingsChanged);
  idleThresholdSecondsItem.watch(on.onIdleThresholdChanged);
  toolbarBadgeItem.watch(() => void refreshBadge().catch(console.error));
  // A limit set or lowered below today's time holds the page shown now.
  limitsItem.watch(() => void checkLimits().catch(console.error));
  registerMessageHandlers(
    createMessageHandlers({ tracker, runSync, syncSetup: createSyncSetup(db), now: Date.now, db }),
  );

  void on.onWorkerStart();
  // The withdrawal page for an uninstall (set again on every start: browsers may forget it).
  void applyUninstallUrl().catch(console.error);
});
