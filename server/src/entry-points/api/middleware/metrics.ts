import type { RequestHandler } from 'express';
import type { Metrics } from '../../../metrics.js';

/** Counts requests by route pattern (not raw path, to keep label cardinality fixed). */
export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route =
        req.route?.path === undefined ? 'unmatched' : `${req.baseUrl}${String(req.route.path)}`;
      stop({ route });
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
