/**
 * Whether a site-list entry names a site at all, by its shape alone: the pages
 * check what the person types before sending it (the public-suffix list that
 * turns it into a registrable domain stays in the background), and the
 * background checks again.
 */

// A scheme, which only http(s) may have.
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const WEB_SCHEME = /^https?:\/\//i;
const BRACKETED_IPV6 = /^\[[0-9a-f:.]+\]$/i;
const BARE_IPV6 = /^[0-9a-f]*:[0-9a-f:.]*$/i;
/** Labels of letters, digits and inner hyphens (punycode for IDN), dot-separated. */
const HOSTNAME = /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/;

/** The host named by an entry ("example.com", "*.example.com", "example.com:8080/path", a URL), or null. */
function hostOfEntry(text: string): string | null {
  let rest = text.trim();
  if (rest.startsWith('*.')) rest = rest.slice(2);
  if (rest === '') return null;
  if (BARE_IPV6.test(rest)) return `[${rest.toLowerCase()}]`;
  if (SCHEME.test(rest) && !WEB_SCHEME.test(rest)) return null;
  const href = WEB_SCHEME.test(rest) ? rest : `http://${rest}`;
  try {
    return new URL(href).hostname.replace(/\.+$/, '');
  } catch {
    return null;
  }
}

/** Whether `text` names a site: a host name, an IP address, or an http(s) address. */
export function isSiteEntry(text: string): boolean {
  const host = hostOfEntry(text);
  if (host === null || host === '' || host.length > 253) return false;
  return BRACKETED_IPV6.test(host) || HOSTNAME.test(host);
}
