import cors from 'cors';
import type { RequestHandler } from 'express';

const EXTENSION_ORIGIN =
  /^(chrome-extension|moz-extension|extension|safari-web-extension):\/\/[A-Za-z0-9._-]+$/;

/**
 * CORS for extension origins only: the configured list, or by default any
 * browser-extension origin. Web pages get no CORS headers, so browsers refuse
 * to let them read responses or send JSON requests.
 */
export function extensionCors(allowed: string[] | undefined): RequestHandler {
  return cors({
    origin: (origin, callback) => {
      if (origin === undefined) return callback(null, false);
      const ok = allowed === undefined ? EXTENSION_ORIGIN.test(origin) : allowed.includes(origin);
      callback(null, ok);
    },
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Content-Encoding', 'X-Enrollment-Key'],
    exposedHeaders: ['Retry-After', 'RateLimit', 'RateLimit-Policy'],
    maxAge: 600,
  });
}
