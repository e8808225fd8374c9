/**
 * Enrolment codes and the study window. A code registers devices into its cohort (at most its
 * uses, until it expires or is revoked); after the cohort's study end the server refuses the
 * cohort's events. `npm run admin -- codes ...` makes the codes (study-admin.ts).
 */
import { randomBytes } from 'node:crypto';
import type { DeviceInfo, DeviceRegistered, DeviceRegistration } from '#protocol';
import { findDevice } from '../data-access/devices-repo.js';
import { findCode, insertDeviceWithCode } from '../data-access/enrollment-repo.js';
import type { Pool } from '../data-access/pool.js';
import { AppError } from './errors.js';
import { newDevice } from './new-device.js';
import { hashSecret } from './tokens.js';

/** An authenticated device, with its cohort and the cohort's study end (null: none). */
export interface AuthenticatedDevice {
  deviceId: string;
  cohort: string | null;
  studyEndsAt: Date | null;
}

/** Crockford's base32: no I, L, O or U, so a code read aloud or typed is not misread. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_RE = /^[0-9A-HJKMNP-TV-Z]{16}$/;

/** A new code: 16 characters (80 random bits) in four groups, e.g. 7K3M-Q9TX-2HCW-R5ZB. */
export function newEnrollmentCode(): string {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let chars = '';
  for (let i = 15; i >= 0; i--) chars += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return chars.replace(/(.{4})(?!$)/g, '$1-');
}

/**
 * The code as stored (its hash is of this form): upper case, without spaces and dashes, with
 * O read as 0 and I, L as 1. Null when the text cannot be a code.
 */
export function normalizeCode(text: string): string | null {
  const code = text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return CODE_RE.test(code) ? code : null;
}

/** Only the hash of a code is stored: 80 random bits need no slow hash (as device tokens). */
export function hashCode(normalized: string): Buffer {
  return hashSecret(normalized);
}

/** How a code is shown where the code itself is not known: its first group. */
export function hintOf(normalized: string): string {
  return `${normalized.slice(0, 4)}-…`;
}

/**
 * Registers a device with the enrolment code in `presentedKey`, in its cohort: the use is taken
 * and the device inserted, with its withdrawal secret, in one statement. Null when `presentedKey` is no code the server
 * knows (the caller goes on as without one); 403 enrollment_revoked, enrollment_expired or
 * enrollment_used_up when the code is known but no longer registers.
 */
export async function registerWithCode(
  pool: Pool,
  input: DeviceRegistration,
  opts: { userAgent: string | undefined; presentedKey: string | undefined; now: Date },
): Promise<DeviceRegistered | null> {
  const code = opts.presentedKey === undefined ? null : normalizeCode(opts.presentedKey);
  if (code === null) return null;
  const codeHash = hashCode(code);
  const { device, token, withdrawalSecret } = newDevice(input, opts.userAgent);
  const deviceId = device.id;
  const inserted = await insertDeviceWithCode(pool, device, codeHash, opts.now);
  if (inserted) return { deviceId, token, withdrawalSecret };
  const state = await findCode(pool, codeHash);
  if (state === null) return null;
  if (state.revokedAt !== null) {
    throw new AppError('enrollment_revoked', 'This enrolment code was revoked; ask for a new one.');
  }
  if (state.expiresAt !== null && state.expiresAt.getTime() <= opts.now.getTime()) {
    throw new AppError(
      'enrollment_expired',
      `This enrolment code expired at ${state.expiresAt.toISOString()}; ask for a new one.`,
    );
  }
  throw new AppError(
    'enrollment_used_up',
    `This enrolment code registered as many devices as it allows (${state.maxUses}); ask for a new one.`,
  );
}

/** 403 study_ended once the device's cohort's study ended: its events are refused. */
export function assertStudyOpen(device: AuthenticatedDevice, now: Date): void {
  const end = device.studyEndsAt;
  if (end === null || now.getTime() < end.getTime()) return;
  throw new AppError(
    'study_ended',
    `The study of cohort "${device.cohort}" ended at ${end.toISOString()}: the server accepts no more events from this device; those sent before stay.`,
    { cohort: device.cohort, studyEndsAt: end.toISOString() },
  );
}

/** GET /api/v1/me: the device's id, label, cohort and study end. */
export async function describeDevice(
  pool: Pool,
  device: AuthenticatedDevice,
  now: Date,
): Promise<DeviceInfo> {
  const record = await findDevice(pool, device.deviceId);
  if (record === null) throw new AppError('device_deleted', 'This device is erased.');
  const end = device.studyEndsAt;
  return {
    deviceId: device.deviceId,
    label: record.label,
    cohort: device.cohort,
    studyEndsAt: end?.toISOString() ?? null,
    studyEnded: end !== null && now.getTime() >= end.getTime(),
    registeredAt: record.createdAt,
  };
}
