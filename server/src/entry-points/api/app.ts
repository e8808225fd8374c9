import express, { type Express } from 'express';
import type { ApiDeps } from './deps.js';
import { extensionCors } from './middleware/cors.js';
import { errorHandler, notFound } from './middleware/errors.js';
import { requestMetrics } from './middleware/metrics.js';
import { perDeviceLimit, perIpLimit } from './middleware/rate-limit.js';
import { requestLog } from './middleware/request-log.js';
import { buildOpenApiDocument } from './openapi.js';
import { devicesRouter } from './routes/devices.js';
import { eventsRouter } from './routes/events.js';
import { meRouter } from './routes/me.js';
import { meLinkRouter } from './routes/me-link.js';
import { meVisitsRouter } from './routes/me-visits.js';
import { operationsRouter } from './routes/operations.js';
import { withdrawPage, withdrawRouter } from './routes/withdraw.js';

function trustProxySetting(value: string | undefined): boolean | number | string {
  if (value === undefined) return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** Builds the ingest API without listening (STYLE.md 8): tests mount it on port 0. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Every answer is Cache-Control: no-store (below), so an ETag is never revalidated; Express
  // would hash each JSON body for one.
  app.disable('etag');
  app.set('trust proxy', trustProxySetting(deps.config.trustProxy));
  app.use(requestMetrics(deps.metrics));
  app.use(requestLog(deps.log, (url) => url === '/healthz' || url === '/metrics'));
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  const openapi = buildOpenApiDocument();
  const api = express.Router();
  api.use(extensionCors(deps.config.corsOrigins));
  api.use(perIpLimit(deps.config.rateLimit.perIpPerMinute));
  api.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  api.use('/devices', devicesRouter(deps));
  // Unauthenticated, as registration: the per-address limit above is its limit.
  api.use('/withdraw', withdrawRouter(deps));
  // One per-device limiter (one counter store) for every device route: a device gets a single
  // allowance, not one per router.
  const deviceLimit = perDeviceLimit(deps.config.rateLimit.perDevicePerMinute);
  api.use('/events', eventsRouter(deps, deviceLimit));
  api.use('/me/visits', meVisitsRouter(deps, deviceLimit));
  api.use('/me', meLinkRouter(deps, deviceLimit));
  api.use('/me', meRouter(deps, deviceLimit));
  // /api/v1 before the routers mounted at the root: those take no /api/v1 path, and a device's
  // request no longer passes through them on its way (docs/performance.md, "Small requests").
  app.use('/api/v1', api);
  app.use(operationsRouter(deps));
  // The withdrawal page: outside /api/v1 (no CORS), its own CSP (withdraw-page.ts).
  app.use(withdrawPage());

  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
