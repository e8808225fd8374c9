import { describe, expect, it } from 'vitest';
import {
  isSensitiveParam,
  keepsTitle,
  redactTitle,
  redactUrl,
  redactUrlWithDomain,
} from './redact.js';

describe('isSensitiveParam', () => {
  it.each([
    'token',
    'access_token',
    'authToken',
    'X-Amz-Signature',
    'user[password]',
    'sessionid',
    'PHPSESSID',
    'api-key',
    'apikey',
    'code',
    'client_secret',
    'otp',
  ])('%s is sensitive', (name) => {
    expect(isSensitiveParam(name)).toBe(true);
  });

  it.each(['q', 'page', 'keyword', 'monkey', 'lang', 'utm_source', 'sort', 'passage'])(
    '%s is not sensitive',
    (name) => {
      expect(isSensitiveParam(name)).toBe(false);
    },
  );
});

describe('redactUrl', () => {
  it.each([
    ['https://example.com/a?q=cats&token=abc#frag', 'full', 'https://example.com/a?q=cats'],
    ['https://u:p@example.com:8443/x?session=1&y=2', 'full', 'https://example.com:8443/x?y=2'],
    ['https://example.com/a?q=cats&token=abc#frag', 'path', 'https://example.com/a'],
    ['https://example.com/a?q=cats', 'domain', null],
    ['http://[::1]:3000/p?code=x', 'full', 'http://[::1]:3000/p'],
    ['https://bücher.example/ß?q=1', 'full', 'https://xn--bcher-kva.example/%C3%9F?q=1'],
    ['chrome://settings', 'full', null],
    ['file:///etc/passwd', 'full', null],
    ['data:text/html,hi', 'full', null],
    ['not a url', 'full', null],
  ] as const)('%s at %s -> %s', (input, level, expected) => {
    expect(redactUrl(input, level)).toBe(expected);
  });

  it('drops sensitive path parameters and parameters hidden behind a semicolon', () => {
    expect(redactUrl('https://e.com/shop;jsessionid=S3CRET;color=red/x?q=1', 'full')).toBe(
      'https://e.com/shop;color=red/x?q=1',
    );
    expect(redactUrl('https://e.com/shop;jsessionid=S3CRET', 'path')).toBe('https://e.com/shop');
    expect(redactUrl('https://e.com/p?a=1;token=S3CRET&b=2', 'full')).toBe(
      'https://e.com/p?a=1&b=2',
    );
  });

  it('keeps repeated harmless parameters in order', () => {
    expect(redactUrl('https://e.com/?a=1&pwd=2&a=3', 'full')).toBe('https://e.com/?a=1&a=3');
  });
});

describe('redactUrlWithDomain', () => {
  it.each([
    ['https://u:p@Example.COM./a?token=x#f', 'full', 'https://example.com./a', 'example.com'],
    [
      'https://bücher.example/ß',
      'path',
      'https://xn--bcher-kva.example/%C3%9F',
      'xn--bcher-kva.example',
    ],
    ['http://127.1:8080/', 'domain', null, '127.0.0.1'],
    ['http://[2001:DB8::1]/x', 'full', 'http://[2001:db8::1]/x', '[2001:db8::1]'],
    ['https://bank.example@evil.example/', 'full', 'https://evil.example/', 'evil.example'],
  ] as const)('%s at %s -> %s on %s', (input, level, url, domain) => {
    expect(redactUrlWithDomain(input, level)).toEqual({ url, domain });
    expect(redactUrlWithDomain(input, level)?.url).toBe(redactUrl(input, level));
  });

  it('is null for what is not an http(s) URL', () => {
    expect(redactUrlWithDomain('ftp://example.com/', 'full')).toBeNull();
    expect(redactUrlWithDomain('not a url', 'domain')).toBeNull();
  });
});

describe('redactTitle', () => {
  it("keeps a title at 'full' only: 'path' and 'domain' keep none", () => {
    expect(keepsTitle('full')).toBe(true);
    expect(redactTitle(' Inbox (3) - Mail ', 'full')).toBe('Inbox (3) - Mail');
    expect(redactTitle('Inbox (3) - Mail', 'path')).toBeNull();
    expect(redactTitle('Inbox (3) - Mail', 'domain')).toBeNull();
  });

  it('drops a title that is an unredacted address', () => {
    expect(redactTitle('https://example.com/reset?token=s3cret', 'full')).toBeNull();
  });
});
