/**
 * URL generators for the extension's privacy fuzzing: web URLs with query
 * parameters, some of them sensitive in the many spellings sites use, each
 * sensitive value a marker that must never survive redaction.
 */
import fc from 'fast-check';
import { SENSITIVE_WORDS } from '#protocol';

/** Values of sensitive parameters carry this marker, so a leak is easy to spot. */
export const SECRET_MARK = 'Zq9secret';

const sensitiveWord = fc.constantFrom(...SENSITIVE_WORDS);
const plainWord = fc.constantFrom('q', 'page', 'lang', 'utm_source', 'monkey', 'passage', 'id');

/** A parameter name that isSensitiveParam must catch: a sensitive word in some site's spelling. */
export const sensitiveNameArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.option(fc.constantFrom('x', 'client', 'user', 'refresh', 'X-Amz'), { nil: undefined }),
    sensitiveWord,
    fc.constantFrom('lower', 'upper', 'camel', 'bracket', 'encoded'),
    fc.constantFrom('_', '-', '.'),
  )
  .map(([prefix, word, style, sep]) => {
    const cased =
      style === 'upper'
        ? word.toUpperCase()
        : style === 'camel' && prefix !== undefined
          ? word[0]?.toUpperCase() + word.slice(1)
          : word;
    if (style === 'bracket') return `${prefix ?? 'user'}[${cased}]`;
    if (style === 'camel' && prefix !== undefined) return `${prefix.toLowerCase()}${cased}`;
    const name = prefix === undefined ? cased : `${prefix}${sep}${cased}`;
    // Percent-encoded letters decode to the same name in URLSearchParams.
    return style === 'encoded'
      ? name.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`)
      : name;
  });

export interface GeneratedUrl {
  href: string;
  /** Names of the harmless parameters, in order, as URLSearchParams decodes them. */
  harmless: string[];
}

const valueArb = fc.string({ unit: 'grapheme-ascii', maxLength: 12 });

export const webUrlWithParamsArb: fc.Arbitrary<GeneratedUrl> = fc
  .record({
    base: fc.webUrl({ validSchemes: ['http', 'https'], withFragments: true }),
    userinfo: fc.option(fc.constantFrom('user:pw@', 'a@', `${SECRET_MARK}:x@`), { nil: '' }),
    params: fc.array(
      fc.oneof(
        sensitiveNameArb.map((name) => ({ name, sensitive: true })),
        plainWord.map((name) => ({ name, sensitive: false })),
      ),
      { maxLength: 6 },
    ),
    values: fc.array(valueArb, { minLength: 6, maxLength: 6 }),
    fragment: fc.option(fc.constant(`#${SECRET_MARK}`), { nil: '' }),
  })
  .map(({ base, userinfo, params, values, fragment }) => {
    const url = new URL(base);
    url.hash = '';
    url.search = '';
    const query = params
      .map((p, i) =>
        p.sensitive
          ? `${p.name}=${SECRET_MARK}${i}`
          : `${p.name}=${encodeURIComponent(values[i] ?? '').replaceAll(/zq9/gi, '')}`,
      )
      .join('&');
    const href = `${url.protocol}//${userinfo}${url.host}${url.pathname}${query ? `?${query}` : ''}${fragment}`;
    return { href, harmless: params.filter((p) => !p.sensitive).map((p) => p.name) };
  });
