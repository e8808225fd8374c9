import { browser } from 'wxt/browser';
import { formatNumber, uiLocale } from '../stats/format-duration.js';

/** Every key of _locales/en/messages.json (WXT generates the typed getMessage overloads). */
export type MessageKey = Parameters<typeof browser.i18n.getMessage>[0];

/**
 * A page string from _locales (browser.i18n). Keys are checked at compile
 * time; the fallback to the key only shows if a locale lacks a message.
 * Numbers are written in the UI language ("1,234", "1.234", "1 234").
 */
export function t(key: MessageKey, ...substitutions: (string | number)[]): string {
  const text = browser.i18n.getMessage(
    key,
    substitutions.map((s) => (typeof s === 'number' ? formatNumber(s) : s)),
  );
  return text === '' ? key : text;
}

/** Plural rules per locale, made once (a list of rows asks for many). */
const pluralRules = new Map<string, Intl.PluralRules>();

/**
 * The message of `keys` that fits `count` in the UI language: `one` where its plural rules say
 * "one" (1 in English, German and Spanish; 0 and 1 in French), `other` for every other count.
 * The substitutions follow the count, which is always the first ($1).
 */
export function tCount(
  count: number,
  keys: { one: MessageKey; other: MessageKey },
  ...substitutions: (string | number)[]
): string {
  // The rules of the language the strings are in: the browser's when shipped, else English's
  // (a Russian browser reads the English strings, and 21 is not "one" in English).
  const locale = shownLanguage();
  let rules = pluralRules.get(locale);
  if (rules === undefined) {
    rules = new Intl.PluralRules(locale);
    pluralRules.set(locale, rules);
  }
  const key = rules.select(count) === 'one' ? keys.one : keys.other;
  return t(key, count, ...substitutions);
}

/** The languages of public/_locales; the others read English (default_locale). */
const SHIPPED_LANGUAGES = ['en', 'de', 'fr', 'es'];

/** The language the UI's strings are in: the browser's when shipped, else English. */
function shownLanguage(): string {
  const language = uiLocale()?.split('-')[0] ?? 'en';
  return SHIPPED_LANGUAGES.includes(language) ? language : 'en';
}

/**
 * A page speaks the language of its strings: <html lang> (screen readers' voice,
 * hyphenation) and the tab's title from _locales, where the HTML files say English.
 */
export function localizePage(titleKey: MessageKey, doc: Document = document): void {
  doc.documentElement.lang = shownLanguage();
  doc.title = t(titleKey);
}
