import type { RequestHandler } from 'express';
import type { Metrics } from '../../../metrics.js';

/** Requests that matched no route (404s, and refusals before routing such as the per-IP limit). */
const UNMATCHED = 'unmatched';

/**
 * Counts requests by route pattern (not raw path, to keep label cardinality
 * fixed), e.g. "/api/v1/events/".
 *
 * The pattern is taken when Express enters the route, not when the response
 * finishes: by then an error has carried the request back out of its router,
 * which restores req.baseUrl to the app's (""), so a 400 of /api/v1/events was
 * counted under "/". Express enters a route by assigning req.route, while
 * req.baseUrl is still the router's mount path; the setter below notes both.
 */
export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpDuration.startTimer();
    let route = UNMATCHED;
    let current: unknown;
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => current,
      set: (value: { path?: unknown } | undefined) => {
        current = value;
        if (value?.path !== undefined) route = `${req.baseUrl}${String(value.path)}`;
      },
    });
    res.on('finish', () => {
      stop({ route });
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
