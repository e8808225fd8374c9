/** Renders Preact views into a linkedom document: DOM checks without a browser. */
import { parseHTML } from 'linkedom';
import { type ComponentChild, render } from 'preact';
import { afterEach, beforeEach, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';

export interface Rendered {
  root: HTMLElement;
  byTestId(id: string): HTMLElement[];
  click(el: Element): void;
}

/**
 * The fake browser has no i18n: each message renders as key(substitutions),
 * which shows a string went through browser.i18n with the right arguments.
 */
export function fakeI18n(): void {
  vi.spyOn(fakeBrowser.i18n, 'getMessage').mockImplementation(
    (key: string, subs?: string | string[]) =>
      `${key}(${(Array.isArray(subs) ? subs : subs === undefined ? [] : [subs]).join(',')})`,
  );
}

/** The roots renderView drew into since the last unmountViews. */
const mounted: HTMLElement[] = [];

/**
 * Unmounts every view renderView drew. A view that loads data re-renders when its reads come
 * back; left mounted, that render can land after the test, once fakeI18n's mock is restored,
 * and throw there (the fake browser has no i18n).
 */
export function unmountViews(): void {
  for (const root of mounted.splice(0)) render(null, root);
}

/**
 * A view test file's hooks: fakeI18n before each test; after it, the views unmounted, globals
 * unstubbed, mocks restored and the database `db()` gives (if a test opened one) deleted.
 */
export function viewTestHooks(db: () => { delete(): Promise<void> } | undefined): void {
  beforeEach(() => fakeI18n());
  afterEach(async () => {
    unmountViews();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    await db()?.delete();
  });
}

export function renderView(view: ComponentChild): Rendered {
  const { document, window } = parseHTML(
    '<!doctype html><html><body><div id="app"></div></body></html>',
  );
  vi.stubGlobal('document', document);
  const root = document.getElementById('app') as unknown as HTMLElement;
  mounted.push(root);
  render(view, root);
  return {
    root,
    byTestId: (id) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)],
    click: (el) => el.dispatchEvent(new window.Event('click', { bubbles: true })),
  };
}
