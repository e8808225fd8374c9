import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '#protocol';
import { isUnavailableError } from '../../../data-access/pool.js';
import { AppError } from '../../../domain/errors.js';
import type { Logger } from '../../../logger.js';
import { KafkaUnavailableError } from '../../../messaging/kafka.js';

const RETRY_AFTER_UNAVAILABLE_S = 5;

export function sendError(
  res: Response,
  code: ErrorCode,
  message: string,
  details?: unknown,
  retryAfterSeconds?: number,
): void {
  if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds));
  const body: ErrorBody = { error: { code, message } };
  if (details !== undefined) body.error.details = details;
  res.status(ERROR_STATUS[code]).json(body);
}

/**
 * What a 503 says, by what the request asked: a read that could not be answered is not "nothing
 * accepted", and a client deciding whether to send its events again reads the write's words.
 */
export function unavailableMessage(method: string): string {
  if (method === 'GET' || method === 'HEAD') {
    return 'The server cannot answer right now: a service it depends on is unavailable. Retry later.';
  }
  return 'The server cannot store events right now; nothing from this request was accepted. Retry later.';
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  code?: string;
  limit?: number;
}

/** Maps every failure to the documented error body; never leaks internals. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      log.warn({ err }, 'error after response started');
      res.destroy();
      return;
    }
    if (err instanceof AppError) {
      sendError(res, err.code, err.message, err.details, err.retryAfterSeconds);
      return;
    }
    if (err instanceof KafkaUnavailableError || isUnavailableError(err)) {
      log.warn({ err, path: req.path }, 'dependency unavailable');
      sendError(
        res,
        'unavailable',
        unavailableMessage(req.method),
        undefined,
        RETRY_AFTER_UNAVAILABLE_S,
      );
      return;
    }
    const e = err as BodyParserError;
    switch (e.type) {
      case 'entity.parse.failed':
        sendError(res, 'invalid_json', `The body is not valid JSON: ${e.message}`);
        return;
      case 'entity.too.large':
        sendError(
          res,
          'payload_too_large',
          `The body is larger than ${e.limit ?? 'the limit of'} bytes after decompression.`,
        );
        return;
      case 'encoding.unsupported':
        sendError(
          res,
          'unsupported_media_type',
          'Content-Encoding must be gzip, deflate, br or identity.',
        );
        return;
      case 'charset.unsupported':
        sendError(res, 'unsupported_media_type', 'The body must be UTF-8 JSON.');
        return;
      case 'request.aborted':
      case 'request.size.invalid':
        sendError(res, 'invalid_json', 'The body ended before its declared length.');
        return;
    }
    if (e.code?.startsWith('Z_')) {
      sendError(res, 'invalid_json', `The gzip body could not be decompressed: ${e.message}`);
      return;
    }
    if (e.status === 400) {
      sendError(res, 'invalid_json', `The body could not be read: ${e.message}`);
      return;
    }
    log.error({ err, path: req.path }, 'unhandled error');
    sendError(res, 'internal', 'Something went wrong on the server.');
  };
}

export const notFound: RequestHandler = (req, res) => {
  sendError(res, 'not_found', `No route for ${req.method} ${req.path}.`);
};
