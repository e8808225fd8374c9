import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Device tokens are "<deviceId>.<secret>": the id finds the row, the secret is
 * 32 random bytes. Only SHA-256 of the secret is stored: a slow hash adds
 * nothing for 256-bit random secrets, and comparison is constant-time.
 */
export interface IssuedToken {
  token: string;
  hash: Buffer;
}

export function issueToken(deviceId: string): IssuedToken {
  const secret = randomBytes(32).toString('base64url');
  return { token: `${deviceId}.${secret}`, hash: hashSecret(secret) };
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

const TOKEN_RE =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{20,100})$/;

export function parseToken(token: string): { deviceId: string; secret: string } | null {
  const m = TOKEN_RE.exec(token);
  if (m === null || m[1] === undefined || m[2] === undefined) return null;
  return { deviceId: m[1], secret: m[2] };
}

export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const hash = hashSecret(secret);
  return hash.length === storedHash.length && timingSafeEqual(hash, storedHash);
}

/** Constant-time comparison of two strings (enrollment key). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
