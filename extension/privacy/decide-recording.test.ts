import { describe, expect, it } from 'vitest';
import { LIMITS, VisitEventSchema } from '#protocol';
import { decideRecording, type RecordingContext } from './decide-recording.js';

const base: RecordingContext = {
  consent: true,
  pausedAll: false,
  incognito: false,
  level: 'full',
  pausedSites: [],
  allowlistOnly: false,
  allowlist: [],
};

function ctx(overrides: Partial<RecordingContext> = {}): RecordingContext {
  return { ...base, ...overrides };
}

describe('decideRecording: the consent gate', () => {
  it.each([
    ['no consent', { consent: false }, 'no_consent'],
    ['paused everywhere', { pausedAll: true }, 'paused_all'],
    ['private window', { incognito: true }, 'private_window'],
    // The gate comes first: a private window reports its reason whatever the URL.
    ['no consent and private', { consent: false, incognito: true }, 'no_consent'],
    ['paused and private', { pausedAll: true, incognito: true }, 'paused_all'],
  ] as const)('%s -> %s', (_name, overrides, reason) => {
    expect(decideRecording('https://example.com/', ctx(overrides))).toEqual({
      record: false,
      reason,
    });
  });
});

describe('decideRecording: what is not a web page', () => {
  it.each([
    'chrome://extensions/',
    'chrome://newtab/',
    'chrome-extension://abcdefghijklmnop/popup.html',
    'moz-extension://0c1d2e3f-1111-2222-3333-444455556666/popup.html',
    'about:blank',
    'about:newtab',
    'edge://settings',
    'file:///home/alice/secret.pdf',
    'data:text/html,<h1>hi</h1>',
    `data:text/plain;base64,${'QUFB'.repeat(500_000)}`,
    'view-source:https://example.com/',
    'blob:https://example.com/0c1d2e3f-1111-2222-3333-444455556666',
    'javascript:alert(1)',
    'ftp://example.com/file',
    'ws://example.com/socket',
    '',
    'not a url',
    'https://',
    'http//example.com',
  ])('%s -> not_web', (url) => {
    expect(decideRecording(url, ctx())).toEqual({ record: false, reason: 'not_web' });
  });

  it.each([
    'http://a_b.example.com/',
    'http://ex!ample.com/',
    `http://${'a'.repeat(300)}.com/`,
    'http://./',
  ])('%s -> unsupported_host (the wire schema cannot carry it)', (url) => {
    expect(decideRecording(url, ctx())).toEqual({ record: false, reason: 'unsupported_host' });
  });
});

describe('decideRecording: domain and URL of awkward pages', () => {
  it.each([
    [
      'https://bücher.example/kategorie?x=1',
      'xn--bcher-kva.example',
      'https://xn--bcher-kva.example/kategorie?x=1',
    ],
    ['HTTPS://WWW.Example.COM/Path', 'www.example.com', 'https://www.example.com/Path'],
    ['https://example.com./a', 'example.com', 'https://example.com/a'],
    ['http://example.com:8080/a', 'example.com', 'http://example.com:8080/a'],
    ['https://example.com:443/a', 'example.com', 'https://example.com/a'],
    ['https://user:pass@example.com/a', 'example.com', 'https://example.com/a'],
    ['http://127.0.0.1:3000/dev', '127.0.0.1', 'http://127.0.0.1:3000/dev'],
    ['http://127.1/', '127.0.0.1', 'http://127.0.0.1/'],
    ['http://[::1]:8080/x', '[::1]', 'http://[::1]:8080/x'],
    ['http://[2001:DB8::1]/x', '[2001:db8::1]', 'http://[2001:db8::1]/x'],
    ['http://localhost:5173/', 'localhost', 'http://localhost:5173/'],
    ['https://example.com/a#section-2', 'example.com', 'https://example.com/a'],
    ['https://example.com/a?q=cats#x', 'example.com', 'https://example.com/a?q=cats'],
  ])('%s', (url, domain, stored) => {
    expect(decideRecording(url, ctx())).toMatchObject({ record: true, domain, url: stored });
  });

  it.each([
    'token',
    'access_token',
    'accessToken',
    'X-Amz-Signature',
    'user[password]',
    'SESSIONID',
    'api-key',
    'auth',
    'code',
  ])('removes the sensitive parameter %s at full level', (name) => {
    const decision = decideRecording(`https://example.com/cb?${name}=s3cret&page=2`, ctx());
    expect(decision).toMatchObject({ record: true, url: 'https://example.com/cb?page=2' });
  });

  it.each([
    ['full', 'https://example.com/a/b?q=1'],
    ['path', 'https://example.com/a/b'],
    ['domain', null],
  ] as const)('stores the URL for level %s as %j', (level, url) => {
    const decision = decideRecording('https://u:p@example.com/a/b?q=1&token=x#f', ctx({ level }));
    expect(decision).toEqual({
      record: true,
      domain: 'example.com',
      site: 'example.com',
      url,
      level,
    });
  });

  it('gives the registrable domain as the site', () => {
    expect(decideRecording('https://a.b.example.co.uk/', ctx())).toMatchObject({
      domain: 'a.b.example.co.uk',
      site: 'example.co.uk',
    });
  });
});

describe('decideRecording: very long URLs', () => {
  it.each([
    [
      'a long query',
      `https://example.com/search?q=${'x'.repeat(5000)}`,
      'https://example.com/search',
    ],
    ['a long path', `https://example.com/${'p'.repeat(5000)}`, 'https://example.com/'],
    [
      'a long path of segments',
      `https://example.com/${'seg/'.repeat(1000)}`,
      `https://example.com/${'seg/'.repeat(507)}`,
    ],
    // URLSearchParams re-encodes '~' as %7E, so redaction can make a URL longer.
    [
      'a query that grows on redaction',
      `https://example.com/s?q=${'~'.repeat(1000)}`,
      'https://example.com/s',
    ],
  ])('cuts %s to fit the wire limit', (_name, url, stored) => {
    const decision = decideRecording(url, ctx());
    expect(decision).toMatchObject({ record: true, url: stored });
    if (decision.record) expect(decision.url?.length).toBeLessThanOrEqual(LIMITS.maxUrlLength);
  });
});

describe('decideRecording: paused sites and allowlist', () => {
  it.each([
    ['https://example.com/', ['example.com'], 'site_paused'],
    ['https://www.example.com/', ['example.com'], 'site_paused'],
    ['https://a.b.example.com/', ['EXAMPLE.com'], 'site_paused'],
    ['https://example.com/', ['www.example.com'], 'site_paused'],
    ['https://xn--bcher-kva.example/', ['bücher.example'], 'site_paused'],
    ['https://example.com.:8080/', ['example.com'], 'site_paused'],
    ['https://notexample.com/', ['example.com'], null],
    ['https://example.com.evil.net/', ['example.com'], null],
  ] as const)('%s with paused %j -> %s', (url, pausedSites, reason) => {
    const decision = decideRecording(url, ctx({ pausedSites }));
    if (reason === null) expect(decision.record).toBe(true);
    else expect(decision).toEqual({ record: false, reason });
  });

  it.each([
    ['https://docs.example.com/', true],
    ['https://example.com/', true],
    ['https://example.org/', false],
    ['https://example.com.evil.net/', false],
  ])('allowlist-only with [example.com]: %s recorded=%s', (url, recorded) => {
    const decision = decideRecording(url, ctx({ allowlistOnly: true, allowlist: ['example.com'] }));
    expect(decision.record).toBe(recorded);
    if (!decision.record) expect(decision.reason).toBe('not_in_allowlist');
  });

  it('ignores the allowlist when allowlist-only is off', () => {
    expect(
      decideRecording('https://example.org/', ctx({ allowlist: ['example.com'] })).record,
    ).toBe(true);
  });

  it('lets a pause win over the allowlist', () => {
    const decision = decideRecording(
      'https://mail.example.com/',
      ctx({ allowlistOnly: true, allowlist: ['example.com'], pausedSites: ['example.com'] }),
    );
    expect(decision).toEqual({ record: false, reason: 'site_paused' });
  });
});

describe('decideRecording: what it records is valid on the wire', () => {
  const urls = [
    'https://bücher.example/ä?ö=ü#x',
    'http://[2001:db8::1]:8080/x?token=1',
    'https://user:pass@example.com./a',
    `https://example.com/${'%F0%9F%98%80'.repeat(400)}`,
    `https://example.com/?q=${'x'.repeat(5000)}`,
  ];
  it.each(
    urls.flatMap((url) =>
      (['full', 'path', 'domain'] as const).map((level) => [url, level] as const),
    ),
  )('%s at %s', (url, level) => {
    const decision = decideRecording(url, ctx({ level }));
    if (!decision.record) throw new Error(`not recorded: ${decision.reason}`);
    const visit = {
      id: '01890000-0000-7000-8000-000000000001',
      type: 'visit',
      url: decision.url,
      domain: decision.domain,
      title: null,
      startedAt: '2025-01-01T00:00:00.000Z',
      endedAt: '2025-01-01T00:00:01.000Z',
      activeMs: 1000,
      sessionId: '01890000-0000-7000-8000-000000000002',
      transition: 'link',
    };
    expect(VisitEventSchema.safeParse(visit).error?.issues).toBeUndefined();
  });
});
