import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { type MessageKey, tCount } from './i18n.js';
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

describe("t where the browser's i18n answers nothing", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  it("reads the shipped messages of the page's language over English's, and fills them in", async () => {
    vi.spyOn(fakeBrowser.i18n, 'getMessage').mockReturnValue('');
    vi.spyOn(fakeBrowser.i18n, 'getUILanguage').mockReturnValue('es');
    const files: Record<string, object> = {
      en: {
        extName: { message: 'Tracksphere' },
        visitsCount: { message: '$COUNT$ visits', placeholders: { count: { content: '$1' } } },
        linkUnlink: { message: 'Unlink' },
        odd: { message: 'a$0b $x $$$1|$$$$ e$' },
      },
      es: {
        visitsCount: {
          message: '$Count$ visitas ($$)',
          placeholders: { count: { content: '$1' } },
        },
      },
    };
    const read: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      read.push(url);
      const language = /_locales\/(\w+)\/messages\.json$/.exec(url)?.[1] ?? '';
      const file = files[language];
      return file === undefined ? new Response('', { status: 404 }) : Response.json(file);
    });
    const { messagesReady, t } = await import('./i18n.js');
    expect(t('visitsCount', 1_234)).toBe('visitsCount');
    await messagesReady();
    expect(read.map((url) => url.replace(/^.*_locales\//, ''))).toEqual([
      'en/messages.json',
      'es/messages.json',
    ]);
    // Spanish where the file has it, the count in the UI language's digits; English where not.
    expect(t('visitsCount', 12_345)).toBe('12.345 visitas ($)');
    expect(t('linkUnlink')).toBe('Unlink');
    expect(t('optionsTitle')).toBe('optionsTitle');
    // Keys match without regard to case, as in the browser; an object's own names are no keys.
    expect(t('LINKUNLINK' as MessageKey)).toBe('Unlink');
    expect(t('toString' as MessageKey)).toBe('toString');
    // Stray dollars as Chromium 156 shows them (none in the shipped messages: locales.test.ts).
    expect(t('odd' as MessageKey, 'A1')).toBe('ab  $$1|$$$ e');
  });
});

describe("t where the browser's i18n answers nothing and the language's file cannot be read", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  it('shows English, marked as English and counted by its rules', async () => {
    vi.resetModules();
    vi.spyOn(fakeBrowser.i18n, 'getMessage').mockReturnValue('');
    vi.spyOn(fakeBrowser.i18n, 'getUILanguage').mockReturnValue('fr');
    vi.stubGlobal('fetch', async (url: string) =>
      url.endsWith('/en/messages.json')
        ? Response.json({
            pagesWithoutAddressOne: { message: 'one: $1' },
            pagesWithoutAddress: { message: 'other: $1' },
            extName: { message: 'Tracksphere' },
          })
        : new Response('', { status: 404 }),
    );
    const { localizePage, messagesReady, tCount: count } = await import('./i18n.js');
    await messagesReady();
    // French would say "one" of 0; the English shown does not.
    expect(count(0, KEYS)).toBe('other: 0');
    const doc = { documentElement: { lang: '' }, title: '' } as unknown as Document;
    localizePage('extName', doc);
    expect(doc.documentElement.lang).toBe('en');
    expect(doc.title).toBe('Tracksphere');
  });
});
