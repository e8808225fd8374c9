import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { sendError } from './errors.js';

/** 429 rate_limited, with Retry-After: `seconds`. */
function refuse(res: Response, what: string, seconds: number): void {
  sendError(
    res,
    'rate_limited',
    `Too many requests from this ${what}; retry after ${seconds} s.`,
    undefined,
    seconds,
  );
}

/**
 * The link codes' tries (below), which count only some answers: express-rate-limit, fixed
 * windows in this process's memory. With several API replicas each enforces its own share;
 * nginx limits per address in front.
 */
function limiter(
  perWindow: number,
  key: (req: Request, locals: Record<string, unknown>) => string,
  what: string,
  windowMs: number,
  counts: (res: Response) => boolean,
): RequestHandler {
  return rateLimit({
    windowMs,
    limit: perWindow,
    // Only the answers `counts` names count, once the answer is known.
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => !counts(res),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req, res) => key(req, res.locals),
    handler: (req, res) => {
      // express-rate-limit puts its state on the request.
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds =
        reset === undefined ? 60 : Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000));
      refuse(res, what, seconds);
    },
  });
}

/**
 * The limit of every API request (per address) and every device request (per device): a fixed
 * window per key that starts at the key's first request and lasts `windowMs`, as
 * express-rate-limit's memory store keeps them, with the same IETF draft-7 headers (`RateLimit`,
 * `RateLimit-Policy`) and, once refused, 429 rate_limited with `Retry-After`.
 *
 * Written here rather than through express-rate-limit because it runs twice on each device
 * request: that middleware is async (a chain of awaits per request), reads `req.ip` (proxy-addr)
 * for its debug lines even when they are off, and allocates a Date and an info object per
 * request; the two instances took about a fifth of the API's requests a second with one event
 * per request (docs/performance.md, "Small requests"). This one is synchronous: a Map lookup,
 * two headers.
 *
 * Keys live in two maps, swapped every `windowMs` (as express-rate-limit's memory store does):
 * a key seen in a window moves to the current map, and one unseen for a whole window goes with
 * the previous map, in one step however many keys an attacker made. The clock is monotonic
 * (performance.now): a wall clock stepped back an hour must not stretch a window to an hour and
 * a minute, whose Retry-After the extension would honour.
 */
export function fixedWindowLimit(
  perWindow: number,
  key: (req: Request, locals: Record<string, unknown>) => string,
  what: string,
  opts: { windowMs?: number; now?: () => number } = {},
): RequestHandler & { keyCount(): number } {
  const windowMs = opts.windowMs ?? 60_000;
  if (!Number.isInteger(windowMs) || windowMs < 1_000 || windowMs > 2 ** 31 - 1)
    throw new RangeError(`windowMs must be an integer from 1000 to 2^31-1, not ${windowMs}`);
  const now = opts.now ?? (() => performance.now());
  let current = new Map<string, { hits: number; resetAt: number }>();
  let previous = new Map<string, { hits: number; resetAt: number }>();
  const swap = setInterval(() => {
    previous = current;
    current = new Map();
  }, windowMs);
  swap.unref();
  const policy = `${perWindow};w=${Math.ceil(windowMs / 1000)}`;
  const handler: RequestHandler = (req, res, next) => {
    const k = key(req, res.locals);
    const t = now();
    let w = current.get(k);
    if (w === undefined) {
      w = previous.get(k);
      if (w !== undefined) {
        previous.delete(k);
        current.set(k, w);
      }
    }
    // A window ending more than windowMs ahead began in the clock's future (a clock set back,
    // as an injected one can be): it starts again.
    if (w === undefined || w.resetAt <= t || w.resetAt - t > windowMs) {
      w = { hits: 0, resetAt: t + windowMs };
      current.set(k, w);
    }
    w.hits++;
    const reset = Math.max(0, Math.ceil((w.resetAt - t) / 1000));
    if (!res.headersSent) {
      res.setHeader('RateLimit-Policy', policy);
      res.setHeader(
        'RateLimit',
        `limit=${perWindow}, remaining=${Math.max(perWindow - w.hits, 0)}, reset=${reset}`,
      );
    }
    if (w.hits > perWindow) {
      refuse(res, what, Math.max(1, reset));
      return;
    }
    next();
  };
  return Object.assign(handler, { keyCount: () => current.size + previous.size });
}

export function perIpLimit(perMinute: number): RequestHandler {
  return fixedWindowLimit(perMinute, (req) => ipKeyGenerator(req.ip ?? 'unknown'), 'address');
}

export function perDeviceLimit(perMinute: number): RequestHandler {
  return fixedWindowLimit(
    perMinute,
    (_req, locals) => `device:${String(locals.deviceId)}`,
    'device',
  );
}

/**
 * Tries of link codes (POST /api/v1/me/link): `perWindow` wrong codes per device and, with its
 * own counter, per address in `windowMs`; a right code costs no try. A right code refused by
 * the cap on linked browsers (403 link_limit) counts on a third counter, `perWindow.capped` per
 * device: each such try takes the link lock, which every link and unlink of the server waits
 * for, so a person at the cap cannot replay one at the device limit (120 a minute).
 */
export function linkTryLimits(
  perWindow: { device: number; address: number; capped: number },
  windowMs: number,
) {
  // A refused request (4xx or 5xx) is a wrong try, but a right code costs none, even one
  // refused by the cap on linked browsers (403 link_limit: only a right code gets that far);
  // those count on `capped` alone.
  const capped = (res: Response): boolean => res.locals.rightLinkCode === true;
  const wrong = (res: Response): boolean => res.statusCode >= 400 && !capped(res);
  return {
    capped: limiter(
      perWindow.capped,
      (_req, locals) => `capped:${String(locals.deviceId)}`,
      'device',
      windowMs,
      capped,
    ),
    device: limiter(
      perWindow.device,
      (_req, locals) => `device:${String(locals.deviceId)}`,
      'device',
      windowMs,
      wrong,
    ),
    address: limiter(
      perWindow.address,
      (req) => ipKeyGenerator(req.ip ?? 'unknown'),
      'address',
      windowMs,
      wrong,
    ),
  };
}
