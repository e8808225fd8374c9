import { browser } from 'wxt/browser';

/** Every key of _locales/en/messages.json (WXT generates the typed getMessage overloads). */
export type MessageKey = Parameters<typeof browser.i18n.getMessage>[0];

/**
 * A page string from _locales (browser.i18n). Keys are checked at compile
 * time; the fallback to the key only shows if a locale lacks a message.
 */
export function t(key: MessageKey, ...substitutions: (string | number)[]): string {
  const text = browser.i18n.getMessage(key, substitutions.map(String));
  return text === '' ? key : text;
}
