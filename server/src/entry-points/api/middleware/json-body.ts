import express, { type RequestHandler } from 'express';
import { AppError } from '../../../domain/errors.js';

/**
 * JSON bodies only, optionally gzip/deflate-encoded. The limit counts bytes
 * AFTER decompression (body-parser reads the inflated stream), so a gzip bomb
 * stops at the limit.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!req.is('application/json')) {
      next(
        new AppError(
          'unsupported_media_type',
          `Content-Type must be application/json (got ${req.get('content-type') ?? 'none'}).`,
        ),
      );
      return;
    }
    next();
  };
  return [requireJson, express.json({ limit: limitBytes, inflate: true, strict: false })];
}
