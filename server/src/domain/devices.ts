import { randomUUID } from 'node:crypto';
import type { DeviceRegistered, DeviceRegistration } from '#protocol';
import {
  type DeviceRecord,
  eraseDevice,
  findDevice,
  findDeviceCredential,
} from '../data-access/devices-repo.js';
import type { Pool } from '../data-access/pool.js';
import { type ServerVisit, visitsOfDevice } from '../data-access/visits-repo.js';
import { type AuthenticatedDevice, registerWithCode } from './enrollment.js';
import { AppError } from './errors.js';
import { insertDeviceCapped, type RegistrationCaps } from './registration-cap.js';
import { issueToken, parseToken, safeEqual, secretMatches } from './tokens.js';
import { parseUserAgent } from './user-agent.js';

export async function registerDevice(
  pool: Pool,
  input: DeviceRegistration,
  opts: {
    userAgent: string | undefined;
    enrollmentKey: string | undefined;
    presentedKey: string | undefined;
    registrations: RegistrationCaps;
    now: Date;
  },
): Promise<DeviceRegistered> {
  // An enrolment code (admin codes create) registers into its cohort, bounded by its own uses.
  const byCode = await registerWithCode(pool, input, { ...opts, now: new Date() });
  if (byCode !== null) return byCode;
  if (opts.enrollmentKey !== undefined) {
    if (opts.presentedKey === undefined || !safeEqual(opts.presentedKey, opts.enrollmentKey)) {
      throw new AppError(
        'enrollment_required',
        'This server needs a valid enrollment key in the X-Enrollment-Key header to register a device.',
      );
    }
  }
  const deviceId = randomUUID();
  const { token, hash } = issueToken(deviceId);
  await insertDeviceCapped(
    pool,
    {
      id: deviceId,
      tokenHash: hash,
      extensionVersion: input.extensionVersion,
      browserName: input.browser.name,
      browserVersion: input.browser.version,
      os: input.os,
      label: input.label ?? null,
      userAgent: opts.userAgent?.slice(0, 512) ?? null,
      ua: parseUserAgent(opts.userAgent),
    },
    opts,
  );
  return { deviceId, token };
}

/**
 * Resolves a bearer token to its device, or throws 401 unauthorized / 403 device_deleted /
 * 403 device_revoked.
 */
export async function authenticate(
  pool: Pool,
  authorization: string | undefined,
): Promise<AuthenticatedDevice> {
  const m = authorization === undefined ? null : /^Bearer\s+(\S+)$/i.exec(authorization);
  if (m === null || m[1] === undefined) {
    throw new AppError('unauthorized', 'Send the device token as "Authorization: Bearer <token>".');
  }
  const parsed = parseToken(m[1]);
  if (parsed === null) throw new AppError('unauthorized', 'The device token is not valid.');
  const cred = await findDeviceCredential(pool, parsed.deviceId);
  // Compare even for unknown devices so timing does not tell which ids exist.
  const stored = cred.state === 'unknown' ? Buffer.alloc(32) : cred.tokenHash;
  const ok = secretMatches(parsed.secret, stored);
  if (!ok || cred.state === 'unknown') {
    throw new AppError('unauthorized', 'The device token is not valid.');
  }
  if (cred.state === 'erased') {
    throw new AppError('device_deleted', 'This device erased its data; register again to sync.');
  }
  if (cred.state === 'revoked') {
    throw new AppError(
      'device_revoked',
      "The server's administrator revoked this device: it can no longer sync.",
    );
  }
  return { deviceId: parsed.deviceId, cohort: cred.cohort, studyEndsAt: cred.studyEndsAt };
}

export async function eraseDeviceData(pool: Pool, deviceId: string): Promise<number> {
  const deleted = await eraseDevice(pool, deviceId);
  if (deleted === null) throw new AppError('device_deleted', 'This device is already erased.');
  return deleted;
}

export type ExportLine = ({ type: 'device' } & DeviceRecord) | ({ type: 'visit' } & ServerVisit);

/** Everything the server holds about a device: the device record, then each visit. */
export async function* exportDevice(pool: Pool, deviceId: string): AsyncGenerator<ExportLine> {
  const device = await findDevice(pool, deviceId);
  if (device === null) throw new AppError('device_deleted', 'This device is erased.');
  yield { type: 'device', ...device };
  for await (const visit of visitsOfDevice(pool, deviceId)) yield { type: 'visit', ...visit };
}
