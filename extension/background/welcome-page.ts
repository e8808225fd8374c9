import { browser } from 'wxt/browser';

/** The onboarding page (consent) that a later issue adds as entrypoints/welcome. */
export const WELCOME_PAGE = 'welcome.html';

/**
 * Opens the welcome page after a fresh install, if this build has one. Built
 * from the extension's root URL rather than getURL('/welcome.html') because
 * WXT types getURL to the files that exist, and this one may not yet.
 */
export async function openWelcomePage(): Promise<boolean> {
  const url = new URL(WELCOME_PAGE, browser.runtime.getURL('/')).href;
  try {
    const response = await fetch(url, { method: 'HEAD' });
    if (!response.ok) return false;
  } catch {
    return false;
  }
  await browser.tabs.create({ url });
  return true;
}
