import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import type { LinkCode, LinkState } from '#protocol';
import { AppError } from '../../../domain/errors.js';
import { describeLink, issueLinkCode, linkWithCode, unlink } from '../../../domain/link.js';
import { parseSummaryQuery, summarize } from '../../../domain/summary.js';
import type { ApiDeps } from '../deps.js';
import { deviceIdOf, requireDevice } from '../middleware/auth.js';
import { jsonBody } from '../middleware/json-body.js';
import { linkTryLimits } from '../middleware/rate-limit.js';

/**
 * Wrong link codes a device may try, and an address, per window, and right codes refused by the
 * cap on linked browsers (link_limit) a device may send (docs/api.md, Limits).
 */
export const LINK_TRIES = { device: 10, address: 30, capped: 20 };
export const LINK_TRY_WINDOW_MS = 10 * 60_000;

/**
 * All my browsers (mounted at /api/v1/me): /link-code, /link and /summary. `deviceLimit`: the
 * app's one per-device limiter. Linking needs a device that may send (a revoked one gets 403
 * device_revoked); reading the link or the summary and unlinking stay open to a revoked
 * device, as the other /me routes that read or erase its own data (it is unlinked anyway).
 */
export function meLinkRouter(deps: ApiDeps, deviceLimit: RequestHandler): Router {
  const router = Router();
  const active = [requireDevice(deps.auth), deviceLimit];
  const any = [requireDevice(deps.auth, { allowRevoked: true }), deviceLimit];
  const tries = linkTryLimits(LINK_TRIES, LINK_TRY_WINDOW_MS);
  const body = jsonBody(1024);

  router.post('/link-code', ...active, async (_req, res) => {
    const code: LinkCode = await issueLinkCode(deps.pool, deviceIdOf(res.locals), deps.now());
    res.status(201).json(code);
  });

  router.post(
    '/link',
    ...active,
    tries.address,
    tries.device,
    tries.capped,
    ...body,
    async (req, res) => {
      const state: LinkState = await linkWithCode(
        deps.pool,
        deviceIdOf(res.locals),
        req.body,
        deps.now(),
        deps.config.linkMaxBrowsers,
      ).catch((err: unknown) => {
        // The code was right: the refusal costs no wrong try, but counts as capped
        // (middleware/rate-limit.ts).
        if (err instanceof AppError && err.code === 'link_limit') res.locals.rightLinkCode = true;
        throw err;
      });
      res.status(200).json(state);
    },
  );

  router.get('/link', ...any, async (_req, res) => {
    const state: LinkState = await describeLink(deps.pool, deviceIdOf(res.locals));
    res.status(200).json(state);
  });

  // The body ({deviceId}) is optional: without one the request unlinks the calling device.
  const optionalBody: RequestHandler[] = body.map(
    (handler): RequestHandler =>
      (req, res, next) => {
        if (hasBody(req.headers)) handler(req, res, next);
        else next();
      },
  );
  router.delete('/link', ...any, ...optionalBody, async (req, res) => {
    const state: LinkState = await unlink(
      deps.pool,
      deviceIdOf(res.locals),
      hasBody(req.headers) ? req.body : undefined,
    );
    res.status(200).json(state);
  });

  router.get('/summary', ...any, async (req, res) => {
    const range = parseSummaryQuery(req.query as Record<string, unknown>);
    const body = await summarize(deps.pool, deviceIdOf(res.locals), range, deps.now());
    await sendJsonText(req, res, body);
  });
  return router;
}

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

const gzipAsync = promisify(gzip);
/** Smaller bodies go as they are: compressing them saves less than it costs. */
const GZIP_FROM_BYTES = 8 * 1024;

/**
 * 200 with the JSON text `body`, gzipped (level 1: a third of the time of the default level for
 * a few percent more bytes, on the libuv pool, not the event loop) when the client takes gzip
 * and the body is large. Sent as a buffer, not with res.json/res.send: those hash the whole
 * body for an ETag, which nobody revalidates a summary with.
 */
async function sendJsonText(req: Request, res: Response, body: string): Promise<void> {
  const raw = Buffer.from(body, 'utf8');
  res.status(200).setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('vary', 'Accept-Encoding');
  if (raw.length >= GZIP_FROM_BYTES && req.acceptsEncodings('gzip') === 'gzip') {
    const zipped = await gzipAsync(raw, { level: 1 });
    res.setHeader('content-encoding', 'gzip');
    res.setHeader('content-length', zipped.length);
    res.end(zipped);
    return;
  }
  res.setHeader('content-length', raw.length);
  res.end(raw);
}
