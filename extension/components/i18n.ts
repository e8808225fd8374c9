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
  const texts = substitutions.map((s) => (typeof s === 'number' ? formatNumber(s) : s));
  const text = browser.i18n.getMessage(key, texts);
  if (text !== '') return text;
  const read = readMessages?.get(key.toLowerCase());
  return read === undefined ? key : fillIn(read, texts);
}

/** A message as _locales/<language>/messages.json holds it. */
interface LocaleMessage {
  message: string;
  placeholders?: Record<string, { content: string }>;
}

/** The shipped messages this context read itself (see messagesReady), by lower-cased key. */
let readMessages: Map<string, LocaleMessage> | undefined;
/** The language of the messages read: English where the page's own language's file failed. */
let readLanguage: ShippedLanguage | undefined;

/**
 * Lets t() answer where the browser's i18n answers '' for every message. Chromium does that
 * now and then: its renderer keeps the first message bundle it gets for an extension for the
 * life of the process, that bundle can come empty, and reloading the page does not cure it.
 * The person would see message keys; instead the context reads the shipped messages of its
 * language (over English's, as the browser falls back) before it renders. Where the browser
 * answers, this resolves at once and reads nothing.
 */
export async function messagesReady(): Promise<void> {
  if (readMessages !== undefined || browser.i18n.getMessage('extName') !== '') return;
  const read = (language: ShippedLanguage): Promise<Record<string, LocaleMessage> | null> =>
    fetch(browser.runtime.getURL(`/_locales/${language}/messages.json`))
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null);
  const language = shownLanguage();
  const [english, own] = await Promise.all([read('en'), language === 'en' ? null : read(language)]);
  // Keys are matched without regard to case, as the browser matches them.
  readMessages = new Map(
    [...Object.entries(english ?? {}), ...Object.entries(own ?? {})].map(([key, message]) => [
      key.toLowerCase(),
      message,
    ]),
  );
  readLanguage = own === null ? 'en' : language;
}

/**
 * What Chromium makes of a message and its substitutions: $NAME$ is its placeholder's content,
 * $1-$9 a substitution; in a run of $ the first is dropped, and a $ before anything else (or at
 * the end) is dropped.
 */
function fillIn(message: LocaleMessage, substitutions: string[]): string {
  return message.message
    .replace(
      /\$([\w@]+)\$/g,
      (whole, name: string) => message.placeholders?.[name.toLowerCase()]?.content ?? whole,
    )
    .replace(/\$(\$+|[1-9]|[^$]?)/g, (_, next: string) =>
      next.startsWith('$')
        ? next
        : /^[1-9]$/.test(next)
          ? (substitutions[Number(next) - 1] ?? '')
          : '',
    );
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
const SHIPPED_LANGUAGES = ['en', 'de', 'fr', 'es'] as const;
type ShippedLanguage = (typeof SHIPPED_LANGUAGES)[number];

/**
 * The language the UI's strings are in: the browser's when shipped, else English (and English
 * where messagesReady could not read the browser's).
 */
function shownLanguage(): ShippedLanguage {
  if (readLanguage !== undefined) return readLanguage;
  const language = uiLocale()?.split('-')[0] ?? 'en';
  return SHIPPED_LANGUAGES.find((shipped) => shipped === language) ?? 'en';
}

/**
 * A page speaks the language of its strings: <html lang> (screen readers' voice,
 * hyphenation) and the tab's title from _locales, where the HTML files say English.
 */
export function localizePage(titleKey: MessageKey, doc: Document = document): void {
  doc.documentElement.lang = shownLanguage();
  doc.title = t(titleKey);
}
