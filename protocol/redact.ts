/**
 * URL redaction shared by the extension (before anything is stored) and the
 * server (again, on whatever arrives). Pure functions, no browser or Node APIs
 * beyond the WHATWG URL class.
 */

import { LIMITS } from './limits.js';

/**
 * What each level keeps of a page (the options' labels say the same):
 * - full: the address without secrets, and the title;
 * - path: the site and path of the address, no query, no title;
 * - domain: the site's host name only.
 */
export const PRIVACY_LEVELS = ['full', 'path', 'domain'] as const;
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];

/**
 * Whether a level keeps page titles: 'full' alone. A title says what the page is about as
 * plainly as the query and path it stands for ("Re: your biopsy results - Mail").
 */
export function keepsTitle(level: PrivacyLevel): boolean {
  return level === 'full';
}

// A scheme, or a dotted host followed by a path or query, with no spaces.
const URL_LIKE = /^(?:[a-z][a-z0-9+.-]*:\/\/\S*|[^\s/?#]+\.[^\s/?#]+[/?#]\S*)$/i;

/**
 * The title to keep of a page at a privacy level: none below 'full'. Browsers use the URL
 * as the title of a page that has none, and that URL has not been through redaction (it
 * can carry ?token=...), so URL-like titles are dropped. Titles are cut to the wire limit
 * without splitting a surrogate pair.
 */
export function redactTitle(title: string | null | undefined, level: PrivacyLevel): string | null {
  if (!keepsTitle(level) || title === null || title === undefined) return null;
  const text = title.trim();
  if (text.length === 0 || URL_LIKE.test(text)) return null;
  if (text.length <= LIMITS.maxTitleLength) return text;
  let cut = text.slice(0, LIMITS.maxTitleLength);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}

/**
 * Words that make a query parameter sensitive. A parameter name is split into
 * words (on - _ . [ ] and camelCase) and dropped if any word is in this set, so
 * `access_token`, `authToken`, `X-Amz-Signature` and `user[password]` all go.
 */
export const SENSITIVE_WORDS: ReadonlySet<string> = new Set([
  'token',
  'tokens',
  'password',
  'passwd',
  'pwd',
  'pass',
  'passcode',
  'secret',
  'session',
  'sessionid',
  'sessid',
  'phpsessid',
  'jsessionid',
  'sid',
  'auth',
  'authorization',
  'authtoken',
  'accesstoken',
  'key',
  'apikey',
  'code',
  'otp',
  'signature',
  'sig',
  'credential',
  'credentials',
  'jwt',
  'csrf',
  'xsrf',
  'nonce',
  'ticket',
  'email',
  'phone',
  'ssn',
]);

export function splitParamWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

export function isSensitiveParam(name: string): boolean {
  const words = splitParamWords(name);
  if (words.some((w) => SENSITIVE_WORDS.has(w))) return true;
  // Also catch the run-together spelling, e.g. "sessiontoken" or "apikey".
  return SENSITIVE_WORDS.has(words.join(''));
}

/**
 * The domain of a visit to this URL, as the extension records it and the
 * server checks it: the URL's hostname (lower case, punycode for IDN, IPv6 in
 * brackets, IPv4 in dotted decimal) without trailing dots.
 */
export function domainOfUrl(url: URL): string {
  const host = url.hostname;
  return host.endsWith('.') ? host.replace(/\.+$/, '') : host;
}

/** The http(s) URL in `input`, or null. */
function parseWebUrl(input: string): URL | null {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return null;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
}

/**
 * Redacts an http(s) URL to the given privacy level. Returns null when the
 * level keeps no URL, or when the input is not an http(s) URL.
 * - full: no fragment, no userinfo, sensitive query parameters removed;
 * - path: origin + path;
 * - domain: null.
 */
export function redactUrl(input: string, level: PrivacyLevel): string | null {
  if (level === 'domain') return null;
  const url = parseWebUrl(input);
  return url === null ? null : redactParsed(url, input, level);
}

/**
 * redactUrl and domainOfUrl from one parse of the URL (the server needs both
 * for every event, and the parse is the costly part); null when the input is
 * not an http(s) URL.
 */
export function redactUrlWithDomain(
  input: string,
  level: PrivacyLevel,
): { url: string | null; domain: string } | null {
  const url = parseWebUrl(input);
  if (url === null) return null;
  const domain = domainOfUrl(url);
  return { url: level === 'domain' ? null : redactParsed(url, input, level), domain };
}

/** redactUrl's work on `url`, the parse of `input` (changed in place). */
function redactParsed(url: URL, input: string, level: 'full' | 'path'): string {
  // Each setter re-serialises the whole URL (most of the server's redaction
  // cost), so only the ones that change something run.
  if (input.includes('#')) url.hash = '';
  if (url.username !== '') url.username = '';
  if (url.password !== '') url.password = '';
  // Servlet-style path parameters (/shop;jsessionid=...) are as secret as query ones.
  if (url.pathname.includes(';') || /%2e/i.test(url.pathname)) {
    url.pathname = url.pathname.split('/').map(dropSensitivePathParams).join('/');
  }
  if (level === 'path') return url.origin + url.pathname;
  if (url.search === '') {
    // No query, or a bare '?' that the setter would drop.
    if (input.includes('?')) url.search = '';
    return url.href;
  }
  const kept = new URLSearchParams();
  for (const [name, value] of url.searchParams) {
    if (!isSensitiveParam(name)) kept.append(name, dropSensitivePieces(value));
  }
  const search = kept.toString();
  if (url.search !== `?${search}`) url.search = search;
  return url.href;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** "shop;jsessionid=X;color=red" -> "shop;color=red" */
function dropSensitivePathParams(segment: string): string {
  if (!segment.includes(';')) return segment;
  const [head, ...params] = segment.split(';');
  const kept = params.filter((p) => !isSensitiveParam(safeDecode(p.split('=')[0] ?? '')));
  return [head, ...kept].join(';');
}

/**
 * "1;token=X" -> "1": some servers take ';' as a parameter separator, so the
 * URL parser sees one parameter whose value hides another.
 */
function dropSensitivePieces(value: string): string {
  if (!value.includes(';')) return value;
  return value
    .split(';')
    .filter((piece, i) => i === 0 || !isSensitiveParam(piece.split('=')[0] ?? ''))
    .join(';');
}
