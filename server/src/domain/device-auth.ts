/**
 * Bearer-token authentication with a short-lived credential cache (AUTH_CACHE_TTL_MS).
 *
 * Without the cache every device request read PostgreSQL (devices-repo.ts findDeviceCredential)
 * before anything else. The cache keeps what that read returned (the token hash, revocation,
 * erasure, cohort and study end) for at most `ttlMs` from the moment the read was sent; the secret
 * is still checked against the hash on every request. So:
 *  - an erase through this process's API (forget()) is refused at once: the entry is dropped and
 *    a read that was in flight during the erase is not stored;
 *  - a revocation, an erase or a study end set by the admin command or another API replica is
 *    seen at the latest `ttlMs` after it commits (its writes cannot reach this process's memory);
 *  - `ttlMs` 0: no cache, every request reads PostgreSQL.
 * A device in use is read again ahead of its expiry: a request that finds its entry in the last
 * half of its TTL is answered from it (still within the TTL) and starts a read in the background
 * that replaces it. A device that syncs steadily never waits for PostgreSQL; the TTL bounds the
 * age of what every request is judged by, as before.
 * Unknown device ids are never cached (random ids cannot fill memory), and at most `maxEntries`
 * devices are kept (the oldest read goes first).
 */
import { credentialReader } from '../data-access/credential-reader.js';
import type { DeviceCredential } from '../data-access/devices-repo.js';
import type { Pool } from '../data-access/pool.js';
import type { AuthenticatedDevice } from './enrollment.js';
import { AppError } from './errors.js';
import { parseToken, secretMatches } from './tokens.js';

export type CredentialLookup = (deviceId: string) => Promise<DeviceCredential>;

export interface DeviceAuthenticator {
  /**
   * The device of an Authorization header, or 401 unauthorized / 403 device_deleted /
   * device_revoked (unless `allowRevoked`: a revoked device may still read and erase its data).
   */
  authenticate(
    authorization: string | undefined,
    opts?: { allowRevoked?: boolean },
  ): Promise<AuthenticatedDevice>;
  /** Drops what is cached for the device (call after erasing it): its next request reads PostgreSQL. */
  forget(deviceId: string): void;
}

/** The authenticators of each pool, so that every erase through that pool reaches them. */
const byPool = new WeakMap<Pool, Set<DeviceAuthenticator>>();

/** Drops the device from the caches of `pool`'s authenticators (domain/devices.ts, after an erase). */
export function forgetDevice(pool: Pool, deviceId: string): void {
  for (const auth of byPool.get(pool) ?? []) auth.forget(deviceId);
}

interface Entry {
  cred: DeviceCredential;
  expiresAt: number;
}

/** Checks a bearer token against the device's credential, as stored. */
export async function authenticateWith(
  lookup: CredentialLookup,
  authorization: string | undefined,
  opts: { allowRevoked?: boolean } = {},
): Promise<AuthenticatedDevice> {
  const m = authorization === undefined ? null : /^Bearer\s+(\S+)$/i.exec(authorization);
  if (m === null || m[1] === undefined) {
    throw new AppError('unauthorized', 'Send the device token as "Authorization: Bearer <token>".');
  }
  const parsed = parseToken(m[1]);
  if (parsed === null) throw new AppError('unauthorized', 'The device token is not valid.');
  const cred = await lookup(parsed.deviceId);
  // Compare even for unknown devices so timing does not tell which ids exist.
  const stored = cred.state === 'unknown' ? Buffer.alloc(32) : cred.tokenHash;
  const ok = secretMatches(parsed.secret, stored);
  if (!ok || cred.state === 'unknown') {
    throw new AppError('unauthorized', 'The device token is not valid.');
  }
  if (cred.state === 'erased') {
    throw new AppError('device_deleted', 'This device erased its data; register again to sync.');
  }
  if (cred.state === 'revoked' && opts.allowRevoked !== true) {
    throw new AppError(
      'device_revoked',
      "The server's administrator revoked this device: it can no longer sync.",
    );
  }
  return { deviceId: parsed.deviceId, cohort: cred.cohort, studyEndsAt: cred.studyEndsAt };
}

export function createDeviceAuthenticator(
  pool: Pool,
  opts: { ttlMs: number; maxEntries?: number; now?: () => number; lookup?: CredentialLookup },
): DeviceAuthenticator {
  // Concurrent misses of different devices share one statement (credential-reader.ts).
  const read = opts.lookup ?? credentialReader(pool);
  const now = opts.now ?? (() => performance.now());
  const maxEntries = opts.maxEntries ?? 100_000;
  const entries = new Map<string, Entry>();
  // Reads of one device in flight, shared by the requests that miss at once.
  const reading = new Map<string, Promise<DeviceCredential>>();
  // Bumped by forget(): a read begun before it may predate the erase and is not stored.
  let generation = 0;

  async function lookup(deviceId: string): Promise<DeviceCredential> {
    const hit = entries.get(deviceId);
    const at = now();
    if (hit !== undefined && hit.expiresAt > at) {
      if (hit.expiresAt - at < opts.ttlMs / 2 && !reading.has(deviceId)) {
        // A read that fails leaves the entry to expire; the next request after it reads again.
        fetchCredential(deviceId).catch(() => undefined);
      }
      return hit.cred;
    }
    if (hit !== undefined) entries.delete(deviceId);
    return reading.get(deviceId) ?? fetchCredential(deviceId);
  }

  /** Reads the device's credential and keeps it for `ttlMs` from now, unless forgotten meanwhile. */
  function fetchCredential(deviceId: string): Promise<DeviceCredential> {
    const sentAt = now();
    const began = generation;
    const p = read(deviceId)
      .then((cred) => {
        if (began !== generation) return cred;
        // Deleted and set again, so the entry a read renews is the newest to be evicted.
        entries.delete(deviceId);
        if (cred.state !== 'unknown') {
          if (entries.size >= maxEntries) {
            const oldest = entries.keys().next();
            if (oldest.done !== true) entries.delete(oldest.value);
          }
          entries.set(deviceId, { cred, expiresAt: sentAt + opts.ttlMs });
        }
        return cred;
      })
      .finally(() => {
        if (reading.get(deviceId) === p) reading.delete(deviceId);
      });
    reading.set(deviceId, p);
    return p;
  }

  if (opts.ttlMs <= 0) {
    return {
      authenticate: (authorization, authOpts) => authenticateWith(read, authorization, authOpts),
      forget() {},
    };
  }
  const auth: DeviceAuthenticator = {
    authenticate: (authorization, authOpts) => authenticateWith(lookup, authorization, authOpts),
    forget(deviceId) {
      generation++;
      entries.delete(deviceId);
      reading.delete(deviceId);
    },
  };
  const set = byPool.get(pool) ?? new Set<DeviceAuthenticator>();
  byPool.set(pool, set.add(auth));
  return auth;
}
