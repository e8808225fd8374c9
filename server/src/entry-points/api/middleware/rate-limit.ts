import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { sendError } from './errors.js';

/**
 * Fixed one-minute windows in this process's memory. With several API
 * replicas each enforces its own share; nginx limits per address in front.
 */
function limiter(
  perMinute: number,
  key: (req: Request, locals: Record<string, unknown>) => string,
  what: string,
): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req, res) => key(req, res.locals),
    handler: (req, res) => {
      // express-rate-limit puts its state on the request.
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds =
        reset === undefined ? 60 : Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000));
      sendError(
        res,
        'rate_limited',
        `Too many requests from this ${what}; retry after ${seconds} s.`,
        undefined,
        seconds,
      );
    },
  });
}

export function perIpLimit(perMinute: number): RequestHandler {
  return limiter(perMinute, (req) => ipKeyGenerator(req.ip ?? 'unknown'), 'address');
}

export function perDeviceLimit(perMinute: number): RequestHandler {
  return limiter(perMinute, (_req, locals) => `device:${String(locals.deviceId)}`, 'device');
}
