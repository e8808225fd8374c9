import type { RequestHandler } from 'express';
import type { DeviceAuthenticator } from '../../../domain/device-auth.js';
import { type AuthenticatedDevice, assertStudyOpen } from '../../../domain/enrollment.js';

/**
 * Puts the authenticated device into res.locals.device (and its id into res.locals.deviceId)
 * or fails with 401/403. `allowRevoked`: the routes by which a device reads or erases its own
 * data stay open to a device its administrator revoked; only sending is refused.
 */
export function requireDevice(
  auth: DeviceAuthenticator,
  opts: { allowRevoked?: boolean } = {},
): RequestHandler {
  return async (req, res, next) => {
    const device = await auth.authenticate(req.get('authorization'), opts);
    res.locals.device = device;
    res.locals.deviceId = device.deviceId;
    next();
  };
}

export function deviceIdOf(locals: Record<string, unknown>): string {
  const id = locals.deviceId;
  if (typeof id !== 'string') throw new Error('requireDevice did not run before this handler');
  return id;
}

export function deviceOf(locals: Record<string, unknown>): AuthenticatedDevice {
  const device = locals.device as AuthenticatedDevice | undefined;
  if (device === undefined) throw new Error('requireDevice did not run before this handler');
  return device;
}

/**
 * After requireDevice: 403 study_ended once the device's cohort's study ended, from what
 * authentication read (no query of its own), before the body is read.
 */
export function requireStudyOpen(now: () => Date): RequestHandler {
  return (_req, res, next) => {
    assertStudyOpen(deviceOf(res.locals), now());
    next();
  };
}
