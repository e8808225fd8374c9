/**
 * All my browsers: link codes and the person a device belongs to (docs/api.md).
 *
 * A code is LINK_CODE_LENGTH characters of a 32-letter alphabet (40 bits), valid
 * LINK_CODE_TTL_MS, used once. The server keeps only its SHA-256 and finds a presented code by
 * that hash, so nothing compares the code itself (no timing tells how much of a guess was
 * right); guesses are bounded by the per-device and per-address limits on POST /me/link.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import {
  describeIssues,
  LINK_CODE_ALPHABET,
  LINK_CODE_LENGTH,
  LINK_CODE_TTL_MS,
  type LinkCode,
  LinkRequestSchema,
  type LinkState,
  UnlinkRequestSchema,
} from '#protocol';
import {
  insertLinkCode,
  type LinkRow,
  linkOfDevice,
  redeemLinkCode,
  unlinkDevice,
} from '../data-access/link-repo.js';
import type { Pool } from '../data-access/pool.js';
import { AppError } from './errors.js';

export function newLinkCode(): string {
  let code = '';
  for (let i = 0; i < LINK_CODE_LENGTH; i++) code += LINK_CODE_ALPHABET[randomInt(32)];
  return code;
}

/** The code as typed, in the form it was issued: upper case, without spaces or hyphens. */
export function normalizeLinkCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '');
}

export function hashLinkCode(code: string): Buffer {
  return createHash('sha256').update(code, 'utf8').digest();
}

const WELL_FORMED = new RegExp(`^[${LINK_CODE_ALPHABET}]{${LINK_CODE_LENGTH}}$`);

/** POST /api/v1/me/link-code: a new code for the calling device. */
export async function issueLinkCode(pool: Pool, deviceId: string, now: Date): Promise<LinkCode> {
  const code = newLinkCode();
  const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
  await insertLinkCode(pool, deviceId, hashLinkCode(code), expiresAt, now);
  return { code, expiresAt: expiresAt.toISOString() };
}

/**
 * POST /api/v1/me/link: links the calling device with the device that issued the code.
 * 400 invalid_request for a body that is not {code}; 400 invalid_link_code for any code that
 * does not link (malformed, unknown, expired, used, the caller's own, or of a revoked device:
 * the answers are the same, so they tell a guesser nothing); 403 link_limit when the person
 * would have more than `maxBrowsers` browsers (only a right code gets that far).
 */
export async function linkWithCode(
  pool: Pool,
  deviceId: string,
  body: unknown,
  now: Date,
  maxBrowsers: number,
): Promise<LinkState> {
  const parsed = LinkRequestSchema.safeParse(body);
  if (!parsed.success) {
    throw new AppError('invalid_request', describeIssues(parsed.error), parsed.error.issues);
  }
  const code = normalizeLinkCode(parsed.data.code);
  const result = WELL_FORMED.test(code)
    ? await redeemLinkCode(pool, deviceId, hashLinkCode(code), now, randomUUID(), maxBrowsers)
    : ({ kind: 'no_code' } as const);
  if (result.kind === 'over_cap') {
    throw new AppError(
      'link_limit',
      `Linking would make ${result.browsers} browsers yours; this server links at most ${maxBrowsers} (LINK_MAX_BROWSERS). Unlink a browser first; the code stays valid until it expires.`,
      { browsers: result.browsers, maxBrowsers },
    );
  }
  if (result.kind === 'no_code') {
    throw new AppError(
      'invalid_link_code',
      'This link code is not valid: codes work once, for 10 minutes, and only from another browser linked to this server.',
    );
  }
  return linkState(result.link, deviceId);
}

/** GET /api/v1/me/link. */
export async function describeLink(pool: Pool, deviceId: string): Promise<LinkState> {
  const row = await linkOfDevice(pool, deviceId);
  // The device authenticated a moment ago; gone now, it was erased in between.
  if (row === null) throw new AppError('device_deleted', 'This device was erased.');
  return linkState(row, deviceId);
}

/**
 * DELETE /api/v1/me/link: unlinks the calling device, or with {deviceId} another device of its
 * person (404 not_linked for any other id); answers the caller's link afterwards.
 */
export async function unlink(pool: Pool, deviceId: string, body: unknown): Promise<LinkState> {
  const parsed = UnlinkRequestSchema.safeParse(body ?? {});
  if (!parsed.success) {
    throw new AppError('invalid_request', describeIssues(parsed.error), parsed.error.issues);
  }
  const target = parsed.data.deviceId ?? deviceId;
  if (!(await unlinkDevice(pool, deviceId, target))) {
    throw new AppError('not_linked', `Device ${target} is not linked to this browser.`);
  }
  return describeLink(pool, deviceId);
}

export function linkState(row: LinkRow, deviceId: string): LinkState {
  return {
    personId: row.personId,
    devices: row.devices.map((d) => ({
      id: d.id,
      browser: d.browserName,
      os: d.os,
      label: d.label,
      lastSyncAt: d.lastSyncAt?.toISOString() ?? null,
      thisDevice: d.id === deviceId,
    })),
  };
}
