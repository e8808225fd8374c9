import { randomUUID } from 'node:crypto';
import type { DeviceRegistration } from '#protocol';
import type { NewDevice } from '../data-access/devices-repo.js';
import { issueToken } from './tokens.js';
import { parseUserAgent } from './user-agent.js';

/** A registration's device row, with a fresh id and token (only the token's hash is stored). */
export function newDevice(
  input: DeviceRegistration,
  userAgent: string | undefined,
): { device: NewDevice; token: string } {
  const id = randomUUID();
  const { token, hash } = issueToken(id);
  return {
    token,
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
    },
  };
}
