import type { RequestHandler } from 'express';
import type { Pool } from '../../../data-access/pool.js';
import { authenticate } from '../../../domain/devices.js';

/** Puts the authenticated device id into res.locals.deviceId or fails with 401/403. */
export function requireDevice(pool: Pool): RequestHandler {
  return async (req, res, next) => {
    res.locals.deviceId = await authenticate(pool, req.get('authorization'));
    next();
  };
}

export function deviceIdOf(locals: Record<string, unknown>): string {
  const id = locals.deviceId;
  if (typeof id !== 'string') throw new Error('requireDevice did not run before this handler');
  return id;
}
