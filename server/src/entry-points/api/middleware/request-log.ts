import type { RequestHandler } from 'express';
import type { Logger } from '../../../logger.js';

/**
 * One log line per request once its answer is sent (or the client went away first): its id,
 * method, path and client address, the status and the time taken; 5xx at error level. No request
 * headers, so never the Authorization or X-Enrollment-Key values, and the path without its query
 * string, which may carry what a client should not have put there (a code, a token).
 *
 * It replaces pino-http, which made a child logger per request (serialising and redacting every
 * request's headers, whether or not anything was logged with it) and listened for three events:
 * about a tenth of a one-event request's time in the API (docs/performance.md, "Small requests").
 * This logs through the process's logger directly, the same fields pino-http gave but headers.
 */
export function requestLog(log: Logger, ignore: (url: string) => boolean): RequestHandler {
  let lastId = 0;
  return (req, res, next) => {
    if (ignore(req.url)) {
      next();
      return;
    }
    const id = ++lastId;
    const started = performance.now();
    const done = (): void => {
      res.off('close', done);
      res.off('finish', done);
      const line = {
        req: {
          id,
          method: req.method,
          url: pathOf(req.originalUrl),
          remoteAddress: req.socket.remoteAddress,
        },
        res: { statusCode: res.statusCode },
        responseTime: Math.round(performance.now() - started),
      };
      if (!res.writableFinished) log.warn(line, 'request aborted');
      else if (res.statusCode >= 500) log.error(line, 'request errored');
      else log.info(line, 'request completed');
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}

/** The path of a request target, without its query string. */
function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}
