import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import {
  formatDay,
  formatDayLabel,
  formatDuration,
  formatLongDate,
  formatNumber,
  formatPercent,
  formatTimeOfDay,
  uiLocale,
} from './format-duration.js';

const MIN = 60_000;
/** Intl puts no-break spaces where the locale wants them; compare with plain spaces. */
const plain = (s: string): string => s.replace(/[\u00a0\u202f]/g, ' ');

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('durations in each shipped language', () => {
  it.each([
    ['en', '0 sec', '45 sec', '12 min', '2 hr, 5 min', '11 hr'],
    ['de', '0 Sek.', '45 Sek.', '12 Min.', '2 Std., 5 Min.', '11 Std.'],
    ['fr', '0 s', '45 s', '12 min', '2 h et 5 min', '11 h'],
    ['es', '0 s', '45 s', '12 min', '2 h y 5 min', '11 h'],
  ])('%s', (locale, zero, seconds, minutes, hoursAndMinutes, wholeHours) => {
    expect(plain(formatDuration(0, locale))).toBe(zero);
    expect(plain(formatDuration(45_400, locale))).toBe(seconds);
    expect(plain(formatDuration(12 * MIN + 59_000, locale))).toBe(minutes);
    expect(plain(formatDuration(125 * MIN, locale))).toBe(hoursAndMinutes);
    expect(plain(formatDuration(11 * 60 * MIN + 30_000, locale))).toBe(wholeHours);
  });

  it('matches Intl.DurationFormat where the runtime has it, and uses it', () => {
    const DurationFormat = (
      Intl as unknown as {
        DurationFormat?: new (l: string, o: object) => { format(d: object): string };
      }
    ).DurationFormat;
    const format = vi.fn((d: { hours?: number; minutes?: number; seconds?: number }) =>
      DurationFormat === undefined
        ? `${d.hours ?? '-'}/${d.minutes ?? '-'}/${d.seconds ?? '-'}`
        : new DurationFormat('de', { style: 'short' }).format(d),
    );
    const fallback = formatDuration(125 * MIN, 'de');
    vi.stubGlobal('Intl', {
      ...Intl,
      DurationFormat: vi.fn(function DurationFormat() {
        return { format };
      }),
    });
    const viaDurationFormat = formatDuration(125 * MIN, 'de');
    expect(format).toHaveBeenCalledWith({ hours: 2, minutes: 5 });
    if (DurationFormat !== undefined) expect(viaDurationFormat).toBe(fallback);
    else expect(viaDurationFormat).toBe('2/5/-');
  });
});

describe('the browser UI language is the default', () => {
  it('reads browser.i18n.getUILanguage()', () => {
    vi.spyOn(fakeBrowser.i18n, 'getUILanguage').mockReturnValue('de');
    expect(uiLocale()).toBe('de');
    expect(plain(formatDuration(125 * MIN))).toBe('2 Std., 5 Min.');
    expect(formatNumber(12_345)).toBe('12.345');
    // ICU versions differ on the period of German short weekdays.
    expect(formatDayLabel('2025-03-10')).toMatch(/^Mo\.? 10$/);
    expect(formatLongDate('2026-03-31T12:00:00Z')).toBe('31. März 2026');
  });

  it('falls back to the runtime default where there is no i18n API or the tag is unusable', () => {
    vi.spyOn(fakeBrowser.i18n, 'getUILanguage').mockImplementation(() => {
      throw new Error('no i18n');
    });
    expect(uiLocale()).toBeUndefined();
    vi.spyOn(fakeBrowser.i18n, 'getUILanguage').mockReturnValue('not a tag!');
    expect(uiLocale()).toBeUndefined();
    vi.spyOn(fakeBrowser.i18n, 'getUILanguage').mockReturnValue('pt_BR');
    expect(uiLocale()).toBe('pt-BR');
  });
});

describe('numbers, shares and times of day', () => {
  it('group digits, write percentages and clock times as each locale does', () => {
    expect(plain(formatNumber(12_345, 'fr'))).toBe('12 345');
    expect(formatNumber(12_345, 'en')).toBe('12,345');
    expect(plain(formatPercent(0.42, 'de'))).toBe('42 %');
    expect(formatPercent(0.42, 'en')).toBe('42%');
    const nineThirty = new Date(2026, 2, 10, 9, 30).getTime();
    expect(formatTimeOfDay(nineThirty, 'de')).toBe('09:30');
    expect(formatDay('2025-03-10', 'de')).toBe('10.03.2025');
    expect(formatDay('2025-03-10', 'en-US')).toBe('Mar 10, 2025');
    expect(plain(formatTimeOfDay(nineThirty, 'en-US'))).toBe('9:30 AM');
  });
});
