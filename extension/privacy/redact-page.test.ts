import { describe, expect, it } from 'vitest';
import { keepsTitle, LIMITS, PRIVACY_LEVELS, type PrivacyLevel } from '#protocol';
import messages from '../public/_locales/en/messages.json';
import { fitUrl, redactPageUrl, redactTitle } from './redact-page.js';

describe('fitUrl', () => {
  it('keeps a URL that fits', () => {
    expect(fitUrl('https://example.com/a?b=c')).toBe('https://example.com/a?b=c');
  });

  it('drops the query first when it is what makes the URL too long', () => {
    const href = `https://example.com/search/results?q=${'x'.repeat(3000)}`;
    expect(fitUrl(href)).toBe('https://example.com/search/results');
  });

  it('cuts a long path back to a slash that fits', () => {
    const segment = 'a'.repeat(500);
    const href = `https://example.com/${segment}/${segment}/${segment}/${segment}/${segment}`;
    const fitted = fitUrl(href);
    expect(fitted).toBe(`https://example.com/${segment}/${segment}/${segment}/${segment}/`);
    expect(fitted?.length).toBeLessThanOrEqual(LIMITS.maxUrlLength);
  });

  it('falls back to the origin when a single path segment is too long', () => {
    expect(fitUrl(`https://example.com/${'a'.repeat(5000)}?x=1`)).toBe('https://example.com/');
  });

  it('never cuts inside a percent-escape', () => {
    const fitted = fitUrl(`https://example.com/${'%C3%BC'.repeat(200)}/${'%C3%BC'.repeat(300)}`);
    expect(fitted).toBe(`https://example.com/${'%C3%BC'.repeat(200)}/`);
  });

  it('respects a custom limit and gives null when not even the origin fits', () => {
    expect(fitUrl('https://example.com/abc/def', 22)).toBe('https://example.com/');
    expect(fitUrl('https://example.com/abc', 10)).toBeNull();
  });
});

describe('redactPageUrl', () => {
  const page = (href: string): URL => new URL(href);

  it.each([
    ['https://example.com./a?x=1#frag', 'full', 'https://example.com/a?x=1'],
    ['https://user:pass@example.com:8443/a?token=t&q=1', 'full', 'https://example.com:8443/a?q=1'],
    ['https://example.com/a?q=1#top', 'path', 'https://example.com/a'],
    ['https://example.com/a?q=1', 'domain', null],
  ] as const)('%s at %s -> %s', (href, level, expected) => {
    expect(redactPageUrl(page(href), level)).toBe(expected);
  });
});

describe('privacy level labels', () => {
  it('say exactly what each level keeps of the address and the title', () => {
    const label = (level: PrivacyLevel): string => messages[`level_${level}`].message;
    for (const level of PRIVACY_LEVELS) {
      // A level that drops the title says so; the one that keeps it names it.
      expect(label(level).includes('no page title'), level).toBe(!keepsTitle(level));
      expect(label(level), level).toContain('title');
    }
    expect(label('full')).toContain('Full address without secrets');
    expect(label('path')).toContain('no query');
    expect(label('domain')).toContain('no address');
  });
});

describe('redactTitle', () => {
  it.each([
    ['Inbox (3) - Mail', 'full', 'Inbox (3) - Mail'],
    ['  Padded title \n', 'full', 'Padded title'],
    // 'path' keeps no title, as its label says.
    ['Inbox (3) - Mail', 'path', null],
    ['Any title', 'domain', null],
    ['', 'full', null],
    ['   ', 'full', null],
    [null, 'full', null],
    [undefined, 'full', null],
    // Browsers show the raw URL as the title of an untitled page.
    ['example.com/reset?token=s3cret', 'full', null],
    ['https://example.com/reset?token=s3cret', 'full', null],
    ['example.com', 'full', 'example.com'],
    ['AC/DC - Wikipedia', 'full', 'AC/DC - Wikipedia'],
  ] as const)('%j at %s -> %j', (title, level, expected) => {
    expect(redactTitle(title, level)).toBe(expected);
  });

  it('cuts long titles to the wire limit', () => {
    const title = redactTitle('t'.repeat(LIMITS.maxTitleLength + 100), 'full');
    expect(title).toHaveLength(LIMITS.maxTitleLength);
  });

  it('does not leave half a surrogate pair when cutting', () => {
    const title = redactTitle(`${'t'.repeat(LIMITS.maxTitleLength - 1)}😀😀`, 'full');
    expect(title).toBe('t'.repeat(LIMITS.maxTitleLength - 1));
  });
});
