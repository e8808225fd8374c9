import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { tCount } from './i18n.js';
import { fakeI18n } from './ui-test-kit.js';

const KEYS = { one: 'pagesWithoutAddressOne', other: 'pagesWithoutAddress' } as const;

describe('tCount', () => {
  afterEach(() => vi.restoreAllMocks());

  it("picks the message by the UI language's plural rules, the count first", () => {
    fakeI18n();
    vi.spyOn(fakeBrowser.i18n, 'getUILanguage').mockReturnValue('en-US');
    expect(tCount(1, KEYS, '8 min')).toBe('pagesWithoutAddressOne(1,8 min)');
    expect(tCount(2, KEYS, '9 min')).toBe('pagesWithoutAddress(2,9 min)');
    expect(tCount(0, KEYS, '0 sec')).toBe('pagesWithoutAddress(0,0 sec)');
    // The count in the UI language's digits, as t() writes numbers.
    expect(tCount(1_234, KEYS, '1 h')).toBe('pagesWithoutAddress(1,234,1 h)');
  });

  it('follows the language: French says "one" of 0 and 1', () => {
    fakeI18n();
    vi.spyOn(fakeBrowser.i18n, 'getUILanguage').mockReturnValue('fr');
    expect(tCount(0, KEYS, 'x')).toBe('pagesWithoutAddressOne(0,x)');
    expect(tCount(1, KEYS, 'x')).toBe('pagesWithoutAddressOne(1,x)');
    expect(tCount(2, KEYS, 'x')).toBe('pagesWithoutAddress(2,x)');
  });

  it("follows English's rules where the strings shown are English (the language not shipped)", () => {
    fakeI18n();
    const language = vi.spyOn(fakeBrowser.i18n, 'getUILanguage');
    // Russian says "one" of 21, Brazilian Portuguese of 0; the English strings must not.
    language.mockReturnValue('ru');
    expect(tCount(21, KEYS, 'x')).toBe('pagesWithoutAddress(21,x)');
    language.mockReturnValue('pt-BR');
    expect(tCount(0, KEYS, 'x')).toBe('pagesWithoutAddress(0,x)');
  });
});
