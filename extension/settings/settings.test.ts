import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { DEFAULT_SETTINGS } from '../tracker/index.js';
import {
  consentItem,
  idleThresholdSecondsItem,
  pausedSitesItem,
  privacyLevelItem,
  readRecordingSettings,
  retentionDaysItem,
  SETTING_DEFAULTS,
  sameRecordingSettings,
  syncConfigItem,
  trackerStateItem,
  unrecordedVisitsItem,
  watchRecordingSettings,
} from './index.js';
import * as items from './storage-items.js';

describe('settings', () => {
  beforeEach(() => {
    fakeBrowser.reset();
  });

  it('falls back to private defaults: no consent, full level, 60 s idle, 90 days, sync off', async () => {
    expect(await readRecordingSettings()).toEqual(DEFAULT_SETTINGS);
    expect(await idleThresholdSecondsItem.getValue()).toBe(60);
    expect(await retentionDaysItem.getValue()).toBe(90);
    expect(await syncConfigItem.getValue()).toEqual({
      enabled: false,
      serverUrl: null,
      deviceId: null,
      token: null,
    });
    expect(await trackerStateItem.getValue()).toBeNull();
    expect(await unrecordedVisitsItem.getValue()).toEqual([]);
    expect(SETTING_DEFAULTS.consent).toBe(false);
  });

  it('keeps every item in storage.local, where it outlives a browser restart and never syncs', () => {
    const keys = Object.values(items).flatMap((value) =>
      typeof value === 'object' && 'getValue' in value ? [value.key] : [],
    );
    expect(keys.sort()).toEqual([
      'local:allowlist',
      'local:allowlistOnly',
      'local:consent',
      'local:idleThresholdSeconds',
      'local:pausedAll',
      'local:pausedSites',
      'local:privacyLevel',
      'local:retentionDays',
      'local:studyInfo',
      'local:syncConfig',
      'local:toolbarBadge',
      'local:trackerState',
      'local:unrecordedVisits',
    ]);
  });

  it('shows the toolbar badge unless the person turns it off', async () => {
    expect(await items.toolbarBadgeItem.getValue()).toBe(true);
  });

  it('builds the tracker settings from what is stored', async () => {
    await consentItem.setValue(true);
    await privacyLevelItem.setValue('path');
    await pausedSitesItem.setValue(['example.com']);
    expect(await readRecordingSettings()).toEqual({
      ...DEFAULT_SETTINGS,
      consent: true,
      level: 'path',
      pausedSites: ['example.com'],
    });
  });

  it('compares settings by what they decide', () => {
    const a = { ...DEFAULT_SETTINGS, pausedSites: ['a.com'] };
    expect(sameRecordingSettings(a, { ...a, pausedSites: ['a.com'] })).toBe(true);
    expect(sameRecordingSettings(a, { ...a, pausedSites: ['b.com'] })).toBe(false);
    expect(sameRecordingSettings(a, { ...a, level: 'domain' })).toBe(false);
  });

  it('reports changes to recording settings until its signal aborts', async () => {
    const onChange = vi.fn();
    const stop = new AbortController();
    watchRecordingSettings(onChange, stop.signal);
    await consentItem.setValue(true);
    await idleThresholdSecondsItem.setValue(30); // not a recording setting
    expect(onChange).toHaveBeenCalledTimes(1);
    stop.abort();
    await pausedSitesItem.setValue(['example.com']);
    expect(onChange).toHaveBeenCalledTimes(1);
  });
});
