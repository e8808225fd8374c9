import type { Request, RequestHandler } from 'express';
import type { Metrics } from '../../../metrics.js';

/** Requests that matched no route (404s, and refusals before routing such as the per-IP limit). */
const UNMATCHED = 'unmatched';

/** Where the accessor below keeps a request's route and its label. */
const ROUTE = Symbol('route');
const LABEL = Symbol('routeLabel');

type Noted = Request & { [ROUTE]?: unknown; [LABEL]?: string };

/** The request prototypes that carry the accessor (one per Express app). */
const noting = new WeakSet<object>();

/**
 * Express enters a route by assigning req.route while req.baseUrl is still the router's mount
 * path; this accessor on the requests' prototype notes both then. It is set once per prototype,
 * not on each request: a property defined on every request (and its getter and setter made for
 * it) was a per-request cost of its own (docs/performance.md, "Small requests").
 */
function noteRoutes(req: Request): void {
  const proto = Object.getPrototypeOf(req) as object | null;
  if (proto === null || noting.has(proto)) return;
  noting.add(proto);
  Object.defineProperty(proto, 'route', {
    configurable: true,
    enumerable: true,
    get(this: Noted) {
      return this[ROUTE];
    },
    set(this: Noted, value: { path?: unknown } | undefined) {
      this[ROUTE] = value;
      // baseUrl is the path as the client spelled it, and Express matches any case: lower case
      // gives the mount paths (lower-case literals, none with a parameter), so a spelling adds
      // no label. The route's own path is its pattern.
      if (value?.path !== undefined) {
        this[LABEL] = `${this.baseUrl.toLowerCase()}${String(value.path)}`;
      }
    },
  });
}

/**
 * Counts requests by route pattern (not raw path, to keep label cardinality
 * fixed), e.g. "/api/v1/events/".
 *
 * The pattern is taken when Express enters the route, not when the response
 * finishes: by then an error has carried the request back out of its router,
 * which restores req.baseUrl to the app's (""), so a 400 of /api/v1/events was
 * counted under "/".
 */
export function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    noteRoutes(req);
    const stop = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = (req as Noted)[LABEL] ?? UNMATCHED;
      stop({ route });
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
