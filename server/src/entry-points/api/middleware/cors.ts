import cors from 'cors';
import type { RequestHandler } from 'express';

const EXTENSION_ORIGIN =
  /^(chrome-extension|moz-extension|extension|safari-web-extension):\/\/[A-Za-z0-9._-]+$/;

/**
 * True when `origin` is in the configured list: exactly, or through an entry
 * `<scheme>://*` (config.ts allows it for Firefox and Safari, which give every
 * install an id of its own), which admits any extension origin of that scheme.
 */
function listed(allowed: readonly string[], origin: string): boolean {
  // Every entry is an extension origin (config.ts checks), and no origin is a wildcard.
  if (!EXTENSION_ORIGIN.test(origin)) return false;
  const scheme = origin.slice(0, origin.indexOf('://'));
  return allowed.includes(origin) || allowed.includes(`${scheme}://*`);
}

/**
 * CORS for extension origins only: the configured list (CORS_ORIGINS, which a
 * deployment must set: config.ts), or, on a workstation where it is unset, any
 * browser-extension origin. Web pages get no CORS headers, so browsers refuse
 * to let them read responses or send JSON requests.
 */
export function extensionCors(allowed: string[] | undefined): RequestHandler {
  return cors({
    origin: (origin, callback) => {
      if (origin === undefined) return callback(null, false);
      const ok = allowed === undefined ? EXTENSION_ORIGIN.test(origin) : listed(allowed, origin);
      callback(null, ok);
    },
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', 'X-Enrollment-Key'],
    exposedHeaders: ['Retry-After', 'RateLimit', 'RateLimit-Policy'],
    maxAge: 600,
  });
}
