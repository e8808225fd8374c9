import { describe, expect, it } from 'vitest';
import { initialTrackerState, WINDOW_ID_NONE } from '../tracker/index.js';
import {
  idleStateChanged,
  navigationCommitted,
  snapshotEvents,
  tabUpdated,
  toTransition,
} from './browser-events.js';

const AT = Date.UTC(2025, 0, 6, 9, 0, 0);

describe('browser events to tracker events', () => {
  it('keeps the browser transition types the wire knows and reads others as links', () => {
    expect(toTransition('typed')).toBe('typed');
    expect(toTransition('form_submit')).toBe('form_submit');
    expect(toTransition('something_new')).toBe('link');
    expect(toTransition(undefined)).toBe('link');
  });

  it('reads the window and private flag of a navigation from its tab when its turn comes', async () => {
    const details = { tabId: 4, frameId: 0, url: 'https://example.com/', transitionType: 'link' };
    const found = navigationCommitted(details, AT, async () => ({
      windowId: 2,
      incognito: true,
      title: 'Example',
    }));
    expect(await found()).toEqual([
      {
        type: 'navigationCommitted',
        at: AT,
        tabId: 4,
        windowId: 2,
        url: 'https://example.com/',
        title: 'Example',
        transition: 'link',
        incognito: true,
      },
    ]);
    const gone = navigationCommitted(details, AT, async () => {
      throw new Error('No tab with id: 4.');
    });
    expect(await gone()).toMatchObject([{ windowId: WINDOW_ID_NONE, incognito: false }]);
  });

  it('turns tab updates into title and audible events, and ignores the rest', () => {
    expect(tabUpdated(3, { title: 'T', audible: true }, AT)).toEqual([
      { type: 'titleChanged', at: AT, tabId: 3, title: 'T' },
      { type: 'audibleChanged', at: AT, tabId: 3, audible: true },
    ]);
    expect(tabUpdated(3, {}, AT)).toEqual([]);
  });

  it('accepts only the idle states the tracker knows', () => {
    expect(idleStateChanged('locked', AT)).toEqual({
      type: 'idleStateChanged',
      at: AT,
      state: 'locked',
    });
    expect(idleStateChanged('asleep', AT)).toBeNull();
  });

  it('describes the browser after an install: open pages, focus, active tabs, idle, sound', () => {
    const state = initialTrackerState();
    state.tabs['1'] = {
      windowId: 1,
      audible: false,
      incognito: false,
      navigated: true,
      visit: null,
    };
    const events = snapshotEvents(
      state,
      {
        focusedWindowId: 1,
        idle: 'idle',
        tabs: [
          { id: 1, windowId: 1, url: 'https://known.example/', incognito: false, active: true },
          { id: 2, windowId: 1, url: 'https://new.example/', incognito: false, audible: true },
          { windowId: 1, url: 'https://no-id.example/', incognito: false },
        ],
      },
      AT,
      { pagesAlreadyOpen: true },
    );
    expect(events.map((e) => [e.type, 'tabId' in e ? e.tabId : null])).toEqual([
      ['navigationCommitted', 2], // tab 1 is already followed: its visit goes on
      ['windowFocusChanged', null],
      ['tabActivated', 1],
      ['idleStateChanged', null],
      ['audibleChanged', 2],
    ]);
    expect(events[0]).toMatchObject({ transition: null });
  });
});
