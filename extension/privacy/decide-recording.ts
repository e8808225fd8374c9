import { LIMITS, type PrivacyLevel } from '#protocol';
import { redactPageUrl } from './redact-page.js';
import { matchesAnySite, registrableDomain } from './site-match.js';

/** What the person chose; held by the tracker and changed by settingsChanged. */
export interface RecordingSettings {
  consent: boolean;
  pausedAll: boolean;
  level: PrivacyLevel;
  pausedSites: readonly string[];
  allowlistOnly: boolean;
  allowlist: readonly string[];
}

/** Settings plus what is known about the page's window. */
export interface RecordingContext extends RecordingSettings {
  incognito: boolean;
}

export type SkipReason =
  | 'no_consent'
  | 'paused_all'
  | 'private_window'
  | 'not_web'
  /** An http(s) host the wire schema cannot carry (underscores, over 253 characters, ...). */
  | 'unsupported_host'
  | 'site_paused'
  | 'not_in_allowlist';

export type RecordingDecision =
  | {
      record: true;
      /** Lower-case hostname, punycode for IDN, no trailing dot, no port. */
      domain: string;
      /** Registrable domain of `domain`, for per-site stats. */
      site: string;
      /** Redacted for the level, within LIMITS.maxUrlLength; null at 'domain'. */
      url: string | null;
      level: PrivacyLevel;
    }
  | { record: false; reason: SkipReason };

/** The wire schema's domain rule (protocol/visit.ts). */
const WIRE_DOMAIN = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/;
// Checked before parsing so a multi-megabyte data: URL is never parsed.
const WEB_SCHEME = /^https?:/i;

/** The reason nothing at all may be recorded in this context, or null. */
export function gateReason(context: RecordingContext): SkipReason | null {
  if (!context.consent) return 'no_consent';
  if (context.pausedAll) return 'paused_all';
  if (context.incognito) return 'private_window';
  return null;
}

/** The reason pages of this (normalized) domain may not be recorded, or null. */
export function siteReason(domain: string, settings: RecordingSettings): SkipReason | null {
  if (matchesAnySite(domain, settings.pausedSites)) return 'site_paused';
  if (settings.allowlistOnly && !matchesAnySite(domain, settings.allowlist)) {
    return 'not_in_allowlist';
  }
  return null;
}

/**
 * The consent gate and privacy rules for one page: whether to record it and,
 * if so, the domain and URL to store. Gate reasons come first, so a page in a
 * private window reports 'private_window' whatever its URL.
 */
export function decideRecording(url: string, context: RecordingContext): RecordingDecision {
  const gate = gateReason(context);
  if (gate !== null) return { record: false, reason: gate };
  if (!WEB_SCHEME.test(url.trimStart())) return { record: false, reason: 'not_web' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { record: false, reason: 'not_web' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { record: false, reason: 'not_web' };
  }
  const domain = parsed.hostname.replace(/\.+$/, '');
  if (domain.length > LIMITS.maxDomainLength || !WIRE_DOMAIN.test(domain)) {
    return { record: false, reason: 'unsupported_host' };
  }
  const skip = siteReason(domain, context);
  if (skip !== null) return { record: false, reason: skip };
  const stored = context.level === 'domain' ? null : redactPageUrl(parsed, context.level);
  return {
    record: true,
    domain,
    site: registrableDomain(domain),
    url: stored,
    level: context.level,
  };
}
