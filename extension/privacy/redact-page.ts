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

/** The title to store for a page at a privacy level: the rule both ends share (protocol). */
export { redactTitle } from '#protocol';
