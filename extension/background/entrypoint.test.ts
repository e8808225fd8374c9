import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { openTracksphereDb } from '../db/index.js';
import background from '../entrypoints/background.js';
import { removeAllListeners, sendMessage } from '../messaging/index.js';
import { syncConfigItem } from '../settings/index.js';
import { CHECKPOINT_ALARM, SYNC_ALARM } from './alarms.js';
import {
  type BrowserModel,
  bridgeRuntimeMessaging,
  committed,
  installBrowserModel,
  SEC,
  T0,
} from './background-test-kit.js';

describe('background entry point', () => {
  let model: BrowserModel;
  let uninstallUrl: ReturnType<typeof vi.spyOn>;

  beforeEach(async () => {
    fakeBrowser.reset();
    removeAllListeners();
    model = installBrowserModel();
    bridgeRuntimeMessaging();
    await openTracksphereDb().delete();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    uninstallUrl = vi.spyOn(fakeBrowser.runtime, 'setUninstallURL').mockResolvedValue(undefined);
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('registers every listener synchronously when the worker starts', () => {
    background.main();
    // Checked before anything is awaited: a listener added later would miss the waking event.
    const events: Record<string, unknown> = {
      'webNavigation.onCommitted': fakeBrowser.webNavigation.onCommitted,
      'webNavigation.onHistoryStateUpdated': fakeBrowser.webNavigation.onHistoryStateUpdated,
      'tabs.onActivated': fakeBrowser.tabs.onActivated,
      'tabs.onRemoved': fakeBrowser.tabs.onRemoved,
      'tabs.onReplaced': model.tabsOnReplaced,
      'tabs.onUpdated': fakeBrowser.tabs.onUpdated,
      'windows.onFocusChanged': fakeBrowser.windows.onFocusChanged,
      'idle.onStateChanged': model.idleOnStateChanged,
      'alarms.onAlarm': fakeBrowser.alarms.onAlarm,
      'runtime.onStartup': fakeBrowser.runtime.onStartup,
      'runtime.onInstalled': fakeBrowser.runtime.onInstalled,
      'storage.local.onChanged': fakeBrowser.storage.local.onChanged,
    };
    const missing = Object.entries(events)
      .filter(([, event]) => !(event as { hasListeners(): boolean }).hasListeners())
      .map(([name]) => name);
    expect(missing).toEqual([]);
    expect(fakeBrowser.runtime.onMessage.addListener).toHaveBeenCalled();
  });

  it('sets up alarms and the idle threshold after registering', async () => {
    background.main();
    await vi.waitFor(async () => {
      expect(await fakeBrowser.alarms.get(CHECKPOINT_ALARM)).toBeDefined();
      expect(await fakeBrowser.alarms.get(SYNC_ALARM)).toBeDefined();
      expect(model.setDetectionInterval).toHaveBeenCalledWith(60);
    });
  });

  it('sets the withdrawal page as the uninstall URL on every worker start (the secret in the fragment)', async () => {
    await syncConfigItem.setValue({
      enabled: true,
      serverUrl: 'https://tracksphere.example.org',
      deviceId: '0190a6f2-0000-7000-8000-00000000000a',
      token: 'token-token-token-token',
      withdrawalSecret: 'withdrawal-secret-0123456789',
    });
    background.main();
    await vi.waitFor(() =>
      expect(uninstallUrl).toHaveBeenCalledWith(
        'https://tracksphere.example.org/withdraw#d=0190a6f2-0000-7000-8000-00000000000a&s=withdrawal-secret-0123456789',
      ),
    );
  });

  it('sets no uninstall page without a withdrawal secret', async () => {
    background.main();
    await vi.waitFor(() => expect(uninstallUrl).toHaveBeenCalledWith(''));
  });

  it('records a visit end to end: consent by message, navigation, tab switch, tab closed', async () => {
    background.main();
    const status = await sendMessage('setConsent', { consent: true });
    expect(status.consent).toBe(true);

    model.openTab({ id: 1, windowId: 1, url: 'https://example.com/', title: 'Example' });
    model.openTab({ id: 2, windowId: 1, url: 'https://example.org/' });
    model.focusedWindowId = 1;
    await fakeBrowser.windows.onFocusChanged.trigger(1);
    await fakeBrowser.tabs.onActivated.trigger({ tabId: 1, windowId: 1 });
    await fakeBrowser.webNavigation.onCommitted.trigger(committed(1, 'https://example.com/'));
    vi.setSystemTime(T0 + 7 * SEC);
    await fakeBrowser.tabs.onActivated.trigger({ tabId: 2, windowId: 1 });
    vi.setSystemTime(T0 + 20 * SEC);
    await fakeBrowser.tabs.onRemoved.trigger(1, { windowId: 1, isWindowClosing: false });

    const db = openTracksphereDb();
    await vi.waitFor(async () => {
      expect(await db.visits.toArray()).toMatchObject([
        { domain: 'example.com', title: 'Example', activeMs: 7 * SEC, syncState: 'local' },
      ]);
    });
    expect((await db.trackerState.get('tracker'))?.state.settings.consent).toBe(true);
    db.close();
  });
});
