import { type Theme, themeItem } from '../settings/limit-items.js';

/** Sets the page's theme: data-theme on the root, which theme.css reads; 'system' removes it. */
export function setTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}

/** The person's theme on this page, now and whenever it changes (from the options page). */
export function applyTheme(): void {
  void themeItem.getValue().then((theme) => setTheme(theme));
  themeItem.watch((theme) => setTheme(theme));
}
