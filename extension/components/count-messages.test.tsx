/**
 * Result messages with a count say the singular where the UI language's plural rules say "one"
 * (1 in English; 0 and 1 in French), through tCount: "1 visit erased", not "1 visits erased".
 * fakeI18n renders each message as key(substitutions), so the key shows which form was chosen.
 */
import { describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import {
  eraseDoneServerText,
  eraseDoneText,
  eraseServerDoneText,
  eraseServerLaterText,
  importDoneText,
  leaveStudyDoneText,
  syncEarlierQueuedText,
} from './count-messages.js';
import { SiteList } from './site-list.js';
import { syncEarlierHistoryText } from './sync-status-panel.js';
import { renderView, viewTestHooks } from './ui-test-kit.js';

viewTestHooks(() => undefined);

const speak = (language: string): void => {
  vi.spyOn(fakeBrowser.i18n, 'getUILanguage').mockReturnValue(language);
};

describe('result messages with a count', () => {
  it('say the singular of one in English, the plural of 0 and 2, the count first', () => {
    speak('en-US');
    expect(eraseDoneText(1)).toBe('eraseDoneOne(1)');
    expect(eraseDoneText(0)).toBe('eraseDone(0)');
    expect(eraseDoneText(2)).toBe('eraseDone(2)');
    expect(eraseDoneServerText(1, 5)).toBe('eraseDoneServerOne(1,5)');
    expect(eraseDoneServerText(5, 1)).toBe('eraseDoneServer(5,1)');
    expect(eraseServerLaterText(1, 'offline')).toBe('eraseServerLaterOne(1,offline)');
    expect(eraseServerLaterText(3, 'offline')).toBe('eraseServerLater(3,offline)');
    expect(eraseServerDoneText(1)).toBe('eraseServerDoneOne(1)');
    expect(eraseServerDoneText(42)).toBe('eraseServerDone(42)');
    expect(leaveStudyDoneText(1)).toBe('leaveStudyDoneOne(1)');
    expect(leaveStudyDoneText(0)).toBe('leaveStudyDone(0)');
    expect(syncEarlierHistoryText(1)).toBe('syncEarlierHistoryOne(1)');
    expect(syncEarlierHistoryText(2)).toBe('syncEarlierHistory(2)');
    expect(syncEarlierQueuedText(1)).toBe('syncEarlierQueuedOne(1)');
    expect(syncEarlierQueuedText(1_200)).toBe('syncEarlierQueued(1,200)');
    expect(importDoneText(1, 'ActivityWatch', 0)).toBe('importDoneOne(1,ActivityWatch,0)');
    expect(importDoneText(2, 'ActivityWatch', 1)).toBe('importDone(2,ActivityWatch,1)');
  });

  it("follow French's rules: the singular of 0 and 1", () => {
    speak('fr');
    expect(eraseDoneText(0)).toBe('eraseDoneOne(0)');
    expect(eraseServerDoneText(0)).toBe('eraseServerDoneOne(0)');
    expect(leaveStudyDoneText(0)).toBe('leaveStudyDoneOne(0)');
    expect(importDoneText(0, 'ActivityWatch', 3)).toBe('importDoneOne(0,ActivityWatch,3)');
    expect(eraseDoneText(2)).toBe('eraseDone(2)');
  });
});

describe('a site list row', () => {
  const visitsOf = (visits: number): string => {
    const site = { domain: 'example.com', activeMs: 60_000, visits, share: 1, hosts: [] };
    const row = renderView(<SiteList sites={[site]} />).byTestId('site-row')[0];
    return row?.querySelector('.site-visits')?.textContent?.trim() ?? '';
  };

  it("says its visits by the UI language's plural rules, the count in the message", () => {
    speak('en-US');
    expect(visitsOf(1)).toBe('visitsOne(1)');
    expect(visitsOf(0)).toBe('visitsCount(0)');
    expect(visitsOf(2)).toBe('visitsCount(2)');
    speak('fr');
    // French says "0 visite": the singular, with its count (not a fixed "1 visite").
    expect(visitsOf(0)).toBe('visitsOne(0)');
    expect(visitsOf(2)).toBe('visitsCount(2)');
  });
});
