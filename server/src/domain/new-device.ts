import { randomBytes, randomUUID } from 'node:crypto';
import type { DeviceRegistration } from '#protocol';
import type { NewDevice } from '../data-access/devices-repo.js';
import { hashSecret, issueToken } from './tokens.js';
import { parseUserAgent } from './user-agent.js';

/**
 * A registration's device row, with a fresh id, token and withdrawal secret (withdrawal.ts: 32
 * random bytes that can do nothing but erase the device). Only the hashes are stored.
 */
export function newDevice(
  input: DeviceRegistration,
  userAgent: string | undefined,
): { device: NewDevice; token: string; withdrawalSecret: string } {
  const id = randomUUID();
  const { token, hash } = issueToken(id);
  const withdrawalSecret = randomBytes(32).toString('base64url');
  return {
    token,
    withdrawalSecret,
    device: {
      id,
      tokenHash: hash,
      extensionVersion: input.extensionVersion,
      browserName: input.browser.name,
      browserVersion: input.browser.version,
      os: input.os,
      label: input.label ?? null,
      userAgent: userAgent?.slice(0, 512) ?? null,
      ua: parseUserAgent(userAgent),
      withdrawalSecretHash: hashSecret(withdrawalSecret),
    },
  };
}
