import { describe, expect, it } from 'vitest';
import { isSiteEntry } from './site-entry.js';
import { matchesSite, normalizeHostname, registrableDomain, siteKey } from './site-match.js';

describe('normalizeHostname', () => {
  it.each([
    ['example.com', 'example.com'],
    ['EXAMPLE.Com', 'example.com'],
    ['example.com.', 'example.com'],
    ['  www.example.com  ', 'www.example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['*.example.com', 'example.com'],
    ['example.com:8080', 'example.com'],
    ['https://User:pw@WWW.Example.com:443/path?q#f', 'www.example.com'],
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '[::1]'],
    ['[2001:DB8::1]', '[2001:db8::1]'],
    ['localhost', 'localhost'],
  ])('%j -> %j', (input, expected) => {
    expect(normalizeHostname(input)).toBe(expected);
  });

  it.each(['', '   ', '.', 'ftp://example.com', 'http://', 'exa mple.com'])(
    'returns null for %j',
    (input) => {
      expect(normalizeHostname(input)).toBeNull();
    },
  );
});

describe('registrableDomain', () => {
  it.each([
    ['www.example.com', 'example.com'],
    ['a.b.example.co.uk', 'example.co.uk'],
    ['WWW.EXAMPLE.COM.', 'example.com'],
    ['alice.github.io', 'alice.github.io'],
    ['deep.alice.github.io', 'alice.github.io'],
    ['www.xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['shop.bücher.de', 'xn--bcher-kva.de'],
    ['localhost', 'localhost'],
    ['intranet', 'intranet'],
    ['127.0.0.1', '127.0.0.1'],
    ['192.168.1.20', '192.168.1.20'],
    ['[::1]', '[::1]'],
    ['co.uk', 'co.uk'],
  ])('%s -> %s', (host, expected) => {
    expect(registrableDomain(host)).toBe(expected);
  });
});

describe('siteKey', () => {
  it('stores the registrable domain of what the person typed or pasted', () => {
    expect(siteKey('https://mail.Example.com/inbox')).toBe('example.com');
    expect(siteKey('news.bücher.de')).toBe('xn--bcher-kva.de');
    expect(siteKey('not a host')).toBeNull();
  });
});

describe('matchesSite', () => {
  it.each([
    ['example.com', 'example.com', true],
    ['www.example.com', 'example.com', true],
    ['a.b.example.com', 'example.com', true],
    ['WWW.EXAMPLE.COM.', 'example.com', true],
    ['example.com', 'www.example.com', true],
    ['mail.example.com', 'www.example.com', true],
    ['notexample.com', 'example.com', false],
    ['example.com.evil.net', 'example.com', false],
    ['example.co', 'example.com', false],
    ['example.org', 'example.com', false],
    ['xn--bcher-kva.example', 'bücher.example', true],
    ['www.xn--bcher-kva.example', 'BÜCHER.example', true],
    ['alice.github.io', 'github.io', true],
    ['alice.github.io', 'bob.github.io', false],
    ['bob.github.io', 'alice.github.io', false],
    ['shop.example.co.uk', 'example.co.uk', true],
    ['other.co.uk', 'example.co.uk', false],
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.1', '0.0.1', false],
    ['10.0.0.1', '0.1', false],
    ['[::1]', '::1', true],
    ['localhost', 'localhost', true],
    ['example.com', '', false],
    ['', 'example.com', false],
  ])('%s in site %s: %s', (host, site, expected) => {
    expect(matchesSite(host, site)).toBe(expected);
  });
});

describe('site entries', () => {
  it.each([
    'example.com',
    'www.codeharbor.io',
    '*.example.com',
    'example.com:8080',
    'https://mail.example.com/inbox?x=1',
    'bücher.de',
    'localhost',
    '127.0.0.1',
    '::1',
    '[2001:db8::1]',
  ])('%j names a site', (entry) => {
    expect(isSiteEntry(entry)).toBe(true);
    expect(siteKey(entry)).not.toBeNull();
  });

  it.each([
    'not a site!!',
    'notasite!!',
    '',
    '   ',
    'ftp://example.com',
    'exa_mple.com',
    '-example.com',
    'example..com',
    'http://',
  ])('%j names no site, and is not stored', (entry) => {
    expect(isSiteEntry(entry)).toBe(false);
    expect(siteKey(entry)).toBeNull();
  });
});
