/**
 * Times, dates, durations and numbers as people read them in their own
 * language: everything goes through Intl in the browser's UI language
 * (browser.i18n.getUILanguage()), never through English units in the code.
 * Each function takes an explicit locale for tests; pages leave it out.
 */
import { browser } from 'wxt/browser';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

/**
 * Formatters made once per locale and options: building an Intl formatter costs far more than
 * using one, and a table formats a few numbers per row, a timeline a duration per block.
 */
const formatters = new Map<string, unknown>();
function made<T>(key: string, locale: string | undefined, make: () => T): T {
  const full = `${locale ?? ''}\u0000${key}`;
  let formatter = formatters.get(full) as T | undefined;
  if (formatter === undefined) {
    formatter = make();
    formatters.set(full, formatter);
  }
  return formatter;
}

/**
 * The browser's UI language as a BCP 47 tag ("de", "en-US"), or undefined (the
 * runtime's default) outside an extension page or for a tag Intl refuses.
 */
export function uiLocale(): string | undefined {
  try {
    const tag = browser.i18n.getUILanguage();
    return tag ? Intl.getCanonicalLocales(tag.replace('_', '-'))[0] : undefined;
  } catch {
    return undefined;
  }
}

type DurationParts = { hours?: number; minutes?: number; seconds?: number };

interface DurationFormatLike {
  format(parts: DurationParts): string;
}
type DurationFormatCtor = new (
  locale: string | undefined,
  options: { style: 'short'; secondsDisplay?: 'always' },
) => DurationFormatLike;

/** Intl.DurationFormat where the browser has it (Chrome 129, Firefox 136); undefined elsewhere. */
function durationFormat(): DurationFormatCtor | undefined {
  return (Intl as unknown as { DurationFormat?: DurationFormatCtor }).DurationFormat;
}

/** What Intl.DurationFormat does with style 'short': each unit by NumberFormat, joined as a unit list. */
function durationFallback(parts: DurationParts, locale: string | undefined): string {
  const units = (['hours', 'minutes', 'seconds'] as const).filter((u) => parts[u] !== undefined);
  const shown = units.filter((u) => parts[u] !== 0);
  const words = (shown.length > 0 ? shown : units).map((u) =>
    made(
      `unit ${u}`,
      locale,
      () =>
        new Intl.NumberFormat(locale, {
          style: 'unit',
          unit: u.slice(0, -1),
          unitDisplay: 'short',
        }),
    ).format(parts[u] ?? 0),
  );
  return made(
    'unit list',
    locale,
    () => new Intl.ListFormat(locale, { type: 'unit', style: 'short' }),
  ).format(words);
}

/**
 * The largest units that matter, in the locale's own abbreviations: hours and
 * minutes from an hour on ("2 hr, 5 min", "2 Std., 5 Min.", "2 h et 5 min"),
 * minutes from a minute on ("12 min"), else seconds ("45 sec", "0 Sek.").
 */
export function formatDuration(ms: number, locale: string | undefined = uiLocale()): string {
  const safe = Math.max(0, Math.round(ms));
  const parts: DurationParts =
    safe >= HOUR
      ? { hours: Math.floor(safe / HOUR), minutes: Math.floor((safe % HOUR) / MIN) }
      : safe >= MIN
        ? { minutes: Math.floor(safe / MIN) }
        : { seconds: Math.floor(safe / SEC) };
  const DurationFormat = durationFormat();
  if (DurationFormat === undefined) return durationFallback(parts, locale);
  // 'always' so that nothing at all still reads "0 sec" rather than an empty string.
  const options = parts.seconds === undefined ? {} : { secondsDisplay: 'always' as const };
  return made(
    `duration ${parts.seconds === undefined}`,
    locale,
    () => new DurationFormat(locale, { style: 'short', ...options }),
  ).format(parts);
}

/** A 'YYYY-MM-DD' day written out in the locale's medium style: "Mar 10, 2025", "10.03.2025". */
export function formatDay(day: string, locale: string | undefined = uiLocale()): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(`${day}T12:00:00Z`),
  );
}

/** Short weekday and day of month of a 'YYYY-MM-DD' day, e.g. "Mon 13", "Mo. 13", "lun. 13". */
export function formatDayLabel(day: string, locale: string | undefined = uiLocale()): string {
  const date = new Date(`${day}T12:00:00Z`);
  return `${formatWeekday(day, locale)} ${date.getUTCDate()}`;
}

/** Short weekday of a 'YYYY-MM-DD' day, e.g. "Mon": a label where "Mon 13" does not fit. */
export function formatWeekday(day: string, locale: string | undefined = uiLocale()): string {
  return new Date(`${day}T12:00:00Z`).toLocaleDateString(locale, {
    weekday: 'short',
    timeZone: 'UTC',
  });
}

/** A count with the locale's digit grouping: "12,345", "12.345", "12 345". */
export function formatNumber(n: number, locale: string | undefined = uiLocale()): string {
  return made('number', locale, () => new Intl.NumberFormat(locale)).format(n);
}

/** A share of a whole (0..1) as a percentage: "42%", "42 %". */
export function formatPercent(share: number, locale: string | undefined = uiLocale()): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(
    share,
  );
}

/** A moment (ISO string or epoch ms) as a short date and time: "3/10/25, 9:30 AM", "10.03.25, 09:30". */
export function formatDateTime(
  when: string | number,
  locale: string | undefined = uiLocale(),
): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(
    new Date(when),
  );
}

/** The time of day of a moment (epoch ms): "9:30 AM", "09:30". */
export function formatTimeOfDay(ms: number, locale: string | undefined = uiLocale()): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(ms);
}

/** A date (ISO string or epoch ms) written out: "March 31, 2026", "31. März 2026". */
export function formatLongDate(
  when: string | number,
  locale: string | undefined = uiLocale(),
): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(new Date(when));
}
