import { LIMITS, type PrivacyLevel, redactUrl } from '#protocol';

/**
 * Makes a redacted URL fit the wire limit. Cutting a URL at an arbitrary
 * character could split a percent-escape or leave half a secret, so it is
 * shortened at structural boundaries instead: first the query goes, then the
 * path is cut back to a '/' that fits, down to the bare origin. Returns null
 * only when even the origin does not fit.
 */
export function fitUrl(href: string, maxLength: number = LIMITS.maxUrlLength): string | null {
  if (href.length <= maxLength) return href;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  url.hash = '';
  url.search = '';
  if (url.href.length <= maxLength) return url.href;
  const budget = maxLength - url.origin.length;
  if (budget < 1) return null;
  // The serialized path is percent-encoded ASCII, so a '/' is never inside an escape.
  const head = url.pathname.slice(0, budget);
  return url.origin + head.slice(0, head.lastIndexOf('/') + 1);
}

/**
 * The URL to store for a page at a privacy level: protocol's redactUrl plus a
 * hostname without trailing dot (so url and domain agree) and the length limit.
 */
export function redactPageUrl(url: URL, level: PrivacyLevel): string | null {
  const copy = new URL(url.href);
  const host = copy.hostname.replace(/\.+$/, '');
  if (host !== copy.hostname) copy.hostname = host;
  const redacted = redactUrl(copy.href, level);
  return redacted === null ? null : fitUrl(redacted);
}

// A scheme, or a dotted host followed by a path or query, with no spaces.
const URL_LIKE = /^(?:[a-z][a-z0-9+.-]*:\/\/\S*|[^\s/?#]+\.[^\s/?#]+[/?#]\S*)$/i;

/**
 * The title to store for a page at a privacy level. Browsers use the URL as
 * the title of a page that has none, and that URL has not been through
 * redaction (it can carry ?token=...), so URL-like titles are dropped. Titles
 * are cut to the wire limit without splitting a surrogate pair.
 */
export function redactTitle(title: string | null | undefined, level: PrivacyLevel): string | null {
  if (level === 'domain' || title === null || title === undefined) return null;
  const text = title.trim();
  if (text.length === 0 || URL_LIKE.test(text)) return null;
  if (text.length <= LIMITS.maxTitleLength) return text;
  let cut = text.slice(0, LIMITS.maxTitleLength);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}
