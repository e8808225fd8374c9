import { UAParser } from 'ua-parser-js';
import type { ParsedUserAgent } from '../data-access/devices-repo.js';

const cache = new Map<string, ParsedUserAgent>();
const CACHE_MAX = 1000;

/**
 * Parses a User-Agent header with ua-parser-js 1.x (MIT). The 2.x line is AGPL-3.0, which would
 * bind every deployment of this server; 1.x parses the same browsers and platforms we report.
 * Results are cached because a device sends the same one each time.
 */
export function parseUserAgent(ua: string | undefined): ParsedUserAgent {
  if (ua === undefined || ua === '') {
    return {
      browserName: null,
      browserVersion: null,
      engineName: null,
      osName: null,
      osVersion: null,
      deviceType: null,
    };
  }
  const hit = cache.get(ua);
  if (hit !== undefined) return hit;
  const r = new UAParser(ua).getResult();
  const parsed: ParsedUserAgent = {
    browserName: r.browser.name ?? null,
    browserVersion: r.browser.version ?? null,
    engineName: r.engine.name ?? null,
    osName: r.os.name ?? null,
    osVersion: r.os.version ?? null,
    deviceType: r.device.type ?? (r.browser.name === undefined ? null : 'desktop'),
  };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(ua, parsed);
  return parsed;
}
