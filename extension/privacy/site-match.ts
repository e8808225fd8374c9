import { parse } from 'tldts';
import { isSiteEntry } from './site-entry.js';

// Entries in site lists may be pasted URLs; only these schemes carry a web host.
const WEB_URL = /^https?:\/\//i;
// A bare IPv6 address ("::1") has to be bracketed before the URL class accepts it as a host.
const BARE_IPV6 = /^[0-9a-f]*:[0-9a-f:.]*$/i;

/**
 * The host as the URL class spells it (lower case, punycode for IDN, IPv6 in
 * brackets) without a trailing dot, or null when the input holds no web host.
 * Accepts a bare hostname, `host:port`, `*.host`, or an http(s) URL.
 */
export function normalizeHostname(input: string): string | null {
  let text = input.trim();
  if (text.startsWith('*.')) text = text.slice(2);
  if (text.length === 0) return null;
  let candidate: string;
  if (WEB_URL.test(text)) candidate = text;
  else if (text.includes('://')) return null;
  else candidate = `http://${BARE_IPV6.test(text) ? `[${text}]` : text}`;
  let hostname: string;
  try {
    hostname = new URL(candidate).hostname;
  } catch {
    return null;
  }
  // "example.com." is the same site as "example.com"; keep one spelling.
  const stripped = hostname.replace(/\.+$/, '');
  return stripped.length > 0 ? stripped : null;
}

function isIpHost(host: string): boolean {
  return parse(host, { allowPrivateDomains: true }).isIp === true;
}

/**
 * The registrable domain ("eTLD+1", private suffixes such as github.io
 * included) of a hostname; the normalized hostname itself for IP addresses,
 * localhost, single-label hosts and public suffixes.
 */
export function registrableDomain(hostname: string): string {
  const host = normalizeHostname(hostname) ?? hostname.trim().toLowerCase();
  const info = parse(host, { allowPrivateDomains: true });
  if (info.isIp === true) return host;
  return info.domain ?? host;
}

/**
 * The canonical form to store for a site-list entry (its registrable domain),
 * or null when the text names no host (isSiteEntry: "not a site!!" names none). Options pages store this so that what
 * the person sees in the list is exactly what is matched.
 */
export function siteKey(input: string): string | null {
  if (!isSiteEntry(input)) return null;
  const host = normalizeHostname(input);
  return host === null ? null : registrableDomain(host);
}

/**
 * Whether a page on `hostname` belongs to the site `siteDomain`. Sites are
 * matched on registrable domain, so an entry covers the domain and all its
 * subdomains (`example.com` covers `a.b.example.com`; an entry of
 * `www.example.com` also covers `example.com`, because the person paused a
 * site, not a host). An entry that is itself a public suffix (`github.io`,
 * `co.uk`) covers every host under it. IP addresses match only themselves.
 */
export function matchesSite(hostname: string, siteDomain: string): boolean {
  const host = normalizeHostname(hostname);
  const entry = normalizeHostname(siteDomain);
  if (host === null || entry === null) return false;
  if (host === entry) return true;
  // Suffix matching on dotted quads would let "0.0.1" match "127.0.0.1".
  if (isIpHost(host) || isIpHost(entry)) return false;
  if (host.endsWith(`.${entry}`)) return true;
  return registrableDomain(host) === registrableDomain(entry);
}

export function matchesAnySite(hostname: string, sites: readonly string[]): boolean {
  return sites.some((site) => matchesSite(hostname, site));
}
