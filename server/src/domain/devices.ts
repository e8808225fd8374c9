import type { DeviceRegistered, DeviceRegistration } from '#protocol';
import { type DeviceRecord, eraseDevice, findDevice } from '../data-access/devices-repo.js';
import type { Pool } from '../data-access/pool.js';
import { type ServerVisit, visitsOfDevice } from '../data-access/visits-repo.js';
import { forgetDevice } from './device-auth.js';
import { registerWithCode } from './enrollment.js';
import { AppError } from './errors.js';
import { newDevice } from './new-device.js';
import { forgetQuotaBlocks } from './quota.js';
import { insertDeviceCapped, type RegistrationCaps } from './registration-cap.js';
import { safeEqual } from './tokens.js';

/**
 * Registers a device: with an enrolment code into its cohort, else within the server's caps
 * (ENROLLMENT_KEY when set). Each way the device, what it counts against and its withdrawal
 * secret (withdrawal.ts) are one statement: all of them or nothing.
 */
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
  const byCode = await registerWithCode(pool, input, opts);
  if (byCode !== null) return byCode;
  if (opts.enrollmentKey !== undefined) {
    if (opts.presentedKey === undefined || !safeEqual(opts.presentedKey, opts.enrollmentKey)) {
      throw new AppError(
        'enrollment_required',
        'This server needs a valid enrollment key in the X-Enrollment-Key header to register a device.',
      );
    }
  }
  const { device, token, withdrawalSecret } = newDevice(input, opts.userAgent);
  const deviceId = device.id;
  await insertDeviceCapped(pool, device, opts);
  return { deviceId, token, withdrawalSecret };
}

export async function eraseDeviceData(pool: Pool, deviceId: string): Promise<number> {
  let deleted: number | null;
  try {
    deleted = await eraseDevice(pool, deviceId);
  } finally {
    // This process's cached credential goes at once (device-auth.ts), also when the erase
    // failed half way (the device is then revoked); other processes' expire. So do its quota
    // blocks (quota-blocks.ts): its usage rows go with it.
    forgetDevice(pool, deviceId);
    forgetQuotaBlocks(pool, deviceId);
  }
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
