/**
 * The four languages (_locales/{en,de,fr,es}/messages.json): every locale has
 * exactly the keys of English, each message uses the same placeholders, none
 * is empty or left in English, every English key is used by the extension, and
 * the manifest's name and description are messages every locale has. A key
 * added in English without its translations fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHTML } from 'linkedom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import config from '../../wxt.config.js';
import { localizePage } from './i18n.js';

const EXTENSION_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LOCALES_DIR = join(EXTENSION_DIR, 'public/_locales');
const SHIPPED = ['de', 'en', 'es', 'fr'];
const TRANSLATIONS = ['de', 'fr', 'es'];

interface Message {
  message: string;
  description?: string;
  placeholders?: Record<string, { content: string; example?: string }>;
}
type Messages = Record<string, Message>;

const read = (locale: string): Messages =>
  JSON.parse(readFileSync(join(LOCALES_DIR, locale, 'messages.json'), 'utf8')) as Messages;
const en = read('en');

/** Named placeholders a message uses ($COUNT$), lower-cased as Chrome matches them. */
function namedIn(text: string): string[] {
  return [...text.matchAll(/\$([A-Za-z0-9_@]+)\$/g)].map((m) => (m[1] ?? '').toLowerCase()).sort();
}

/** Positional substitutions a message uses directly ($1), outside named placeholders. */
function positionalIn(text: string): string[] {
  return [...text.replace(/\$[A-Za-z0-9_@]+\$/g, '').matchAll(/\$(\d)/g)]
    .map((m) => m[1] ?? '')
    .sort();
}

/**
 * A "$" that is none of $NAME$ or $1-$9: Chromium drops it (or the first of a run), Firefox
 * shows it, and the pages' own fill-in (i18n.ts) follows Chromium: no message may have one.
 */
function strayDollars(text: string): string {
  return text.replace(/\$[A-Za-z0-9_@]+\$|\$[1-9]/g, '').includes('$') ? text : '';
}

/** Placeholder name -> what it stands for ($1, $2...), names lower-cased. */
function placeholderContents(m: Message): Record<string, string> {
  return Object.fromEntries(
    Object.entries(m.placeholders ?? {}).map(([name, p]) => [name.toLowerCase(), p.content]),
  );
}

const words = (text: string): number =>
  text.replace(/\$[A-Za-z0-9_@]+\$/g, '').match(/\p{L}{2,}/gu)?.length ?? 0;

/**
 * Keys the code builds from a prefix and a value (t(`reason_${page.reason}`)): a key with one
 * of these prefixes counts as used.
 */
const BUILT_KEY_PREFIXES = [
  'category_',
  'importError_',
  'importSkip_',
  'level_',
  'reason_',
  'theme_',
  'weekStart_',
];

/** The extension's code and pages as shipped: no tests, test kits or fuzzers; the manifest's config. */
function shippedSources(): string {
  const files: string[] = [resolve(EXTENSION_DIR, '../wxt.config.ts')];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!['public', 'fuzz', 'node_modules'].includes(entry.name)) walk(path);
      } else if (/\.(ts|tsx|html)$/.test(entry.name) && !/\.test\.|test-kit/.test(entry.name)) {
        files.push(path);
      }
    }
  };
  walk(EXTENSION_DIR);
  return files.map((file) => readFileSync(file, 'utf8')).join('\n');
}

describe('_locales', () => {
  it('ships English, German, French and Spanish', () => {
    expect(readdirSync(LOCALES_DIR).sort()).toEqual(SHIPPED);
  });

  it('has no English key that the extension does not use', () => {
    const code = shippedSources();
    const unused = Object.keys(en).filter(
      (key) =>
        !BUILT_KEY_PREFIXES.some((prefix) => key.startsWith(prefix)) &&
        !['"', "'", '`'].some((quote) => code.includes(`${quote}${key}${quote}`)) &&
        !code.includes(`__MSG_${key}__`),
    );
    expect(unused).toEqual([]);
  });

  it('names in every English placeholder what it stands for', () => {
    for (const [key, m] of Object.entries(en)) {
      expect(namedIn(m.message), key).toEqual(Object.keys(placeholderContents(m)).sort());
    }
  });

  describe.each(TRANSLATIONS)('%s', (locale) => {
    const messages = read(locale);

    it('has exactly the keys of en', () => {
      const keys = new Set(Object.keys(messages));
      const missing = Object.keys(en).filter((k) => !keys.has(k));
      const extra = [...keys].filter((k) => !(k in en));
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    });

    it('uses the same placeholders as en, defined the same way', () => {
      for (const [key, m] of Object.entries(messages)) {
        const source = en[key];
        if (source === undefined) continue;
        expect(namedIn(m.message), `${locale} ${key}`).toEqual(namedIn(source.message));
        expect(positionalIn(m.message), `${locale} ${key}`).toEqual(positionalIn(source.message));
        expect(placeholderContents(m), `${locale} ${key}`).toEqual(placeholderContents(source));
      }
    });

    it('has no empty message, no stray "$" and no sentence left in English', () => {
      for (const [key, m] of Object.entries(messages)) {
        expect(typeof m.message === 'string' && m.message.trim() !== '', `${locale} ${key}`).toBe(
          true,
        );
        expect(strayDollars(m.message), `${locale} ${key}`).toBe('');
        if (words(m.message) >= 3) {
          expect(m.message, `${locale} ${key} is the English text`).not.toBe(en[key]?.message);
        }
      }
    });
  });

  describe('the manifest', () => {
    const manifestOf = async (browser: string): Promise<Record<string, unknown>> => {
      const manifest = config.manifest;
      if (typeof manifest !== 'function') throw new Error('wxt.config.ts: manifest is a function');
      return {
        ...(await manifest({ browser, manifestVersion: 3, mode: 'production', command: 'build' })),
      };
    };

    it.each(['chrome', 'edge', 'firefox'])(
      'takes its %s name and description from every locale',
      async (browser) => {
        const manifest = await manifestOf(browser);
        expect(manifest.default_locale).toBe('en');
        for (const field of ['name', 'description'] as const) {
          const key = /^__MSG_(\w+)__$/.exec(String(manifest[field]))?.[1];
          expect(key, `${field} is a __MSG_key__`).toBeDefined();
          // Chrome Web Store and addons.mozilla.org limits: name 75, description 132 characters.
          const limit = field === 'name' ? 75 : 132;
          for (const locale of SHIPPED) {
            const text = read(locale)[key ?? '']?.message ?? '';
            expect(text.trim(), `${locale} ${field}`).not.toBe('');
            expect(text.length, `${locale} ${field}`).toBeLessThanOrEqual(limit);
          }
        }
      },
    );
  });
});

describe('localizePage', () => {
  afterEach(() => vi.restoreAllMocks());

  const page = (): Document =>
    parseHTML('<!doctype html><html lang="en"><head><title>English</title></head></html>')
      .document as unknown as Document;

  it('marks the page with a shipped UI language and titles it from _locales', () => {
    vi.spyOn(fakeBrowser.i18n, 'getUILanguage').mockReturnValue('fr-CA');
    vi.spyOn(fakeBrowser.i18n, 'getMessage').mockReturnValue('Tracksphere : historique');
    const doc = page();
    localizePage('optionsTitle', doc);
    expect(doc.documentElement.lang).toBe('fr');
    expect(doc.title).toBe('Tracksphere : historique');
  });

  it('says English where the UI language is not shipped (its strings are English)', () => {
    vi.spyOn(fakeBrowser.i18n, 'getUILanguage').mockReturnValue('pt-BR');
    vi.spyOn(fakeBrowser.i18n, 'getMessage').mockReturnValue('Tracksphere');
    const doc = page();
    localizePage('extName', doc);
    expect(doc.documentElement.lang).toBe('en');
  });
});
