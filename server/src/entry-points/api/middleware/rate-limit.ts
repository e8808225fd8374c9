import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { sendError } from './errors.js';

/**
 * Fixed one-minute windows in this process's memory. With several API
 * replicas each enforces its own share; nginx limits per address in front.
 */
function limiter(
  perWindow: number,
  key: (req: Request, locals: Record<string, unknown>) => string,
  what: string,
  opts: { windowMs?: number; failedOnly?: boolean } = {},
): RequestHandler {
  return rateLimit({
    windowMs: opts.windowMs ?? 60_000,
    limit: perWindow,
    // Only refused requests count (a 4xx or 5xx): a right code costs no try.
    skipSuccessfulRequests: opts.failedOnly ?? false,
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

/**
 * Tries of link codes (POST /api/v1/me/link): `perWindow` wrong codes per device and, with its
 * own counter, per address in `windowMs`; a right code costs no try.
 */
export function linkTryLimits(perWindow: { device: number; address: number }, windowMs: number) {
  return {
    device: limiter(
      perWindow.device,
      (_req, locals) => `device:${String(locals.deviceId)}`,
      'device',
      {
        windowMs,
        failedOnly: true,
      },
    ),
    address: limiter(perWindow.address, (req) => ipKeyGenerator(req.ip ?? 'unknown'), 'address', {
      windowMs,
      failedOnly: true,
    }),
  };
}
