import { type ComponentChild, render } from 'preact';
import { applyTheme } from './apply-theme.js';
import { localizePage, type MessageKey, messagesReady } from './i18n.js';

/**
 * Starts an extension page: the person's theme at once, then, once its messages can be told
 * (messagesReady: at once where the browser's i18n answers), its language, its title and its
 * view in #app.
 */
export function mountPage(titleKey: MessageKey, view: () => ComponentChild): void {
  applyTheme();
  void messagesReady().then(() => {
    localizePage(titleKey);
    const root = document.getElementById('app');
    if (root !== null) render(view(), root);
  });
}
