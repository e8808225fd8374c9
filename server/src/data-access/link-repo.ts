import type { Pool, PoolClient } from './pool.js';
import { withTransaction } from './pool.js';

/**
 * Linking and unlinking run one at a time (a transaction-scoped advisory lock): a merge moves a
 * whole person's devices, and a link racing it could otherwise join a person being emptied.
 * Linking is rare, so the wait costs nothing.
 */
const LINK_LOCK = 0x6c69_6e6b; // "link"

export interface LinkedDeviceRow {
  id: string;
  browserName: string;
  os: string;
  label: string | null;
  /** When the server received the device's latest visit; null: it sent none that is stored. */
  lastSyncAt: Date | null;
}

export interface LinkRow {
  personId: string | null;
  devices: LinkedDeviceRow[];
}

/**
 * Stores a new code's hash for the device, in place of its unused ones: one live code per device,
 * so asking again and again never leaves more codes to guess at. Drops every device's codes that
 * expired over a day ago.
 */
export async function insertLinkCode(
  pool: Pool,
  deviceId: string,
  codeHash: Buffer,
  expiresAt: Date,
  now: Date,
): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query(
      `DELETE FROM link_codes WHERE expires_at < $1::timestamptz - interval '1 day'`,
      [now],
    );
    await client.query('DELETE FROM link_codes WHERE device_id = $1 AND used_at IS NULL', [
      deviceId,
    ]);
    await client.query(
      'INSERT INTO link_codes (code_hash, device_id, expires_at, created_at) VALUES ($1, $2, $3, $4)',
      [codeHash, deviceId, expiresAt, now],
    );
  });
}

/** What redeeming a code did: linked, no such code (or a revoked caller), or over the cap. */
export type RedeemResult =
  | { kind: 'linked'; link: LinkRow }
  | { kind: 'no_code' }
  /** The link would make `browsers` browsers one person's, more than maxBrowsers. */
  | { kind: 'over_cap'; browsers: number };

/**
 * Uses the code with this hash for `deviceId` and links the two devices: no_code when no unused,
 * unexpired code of another device that is not revoked has this hash, or the caller is revoked;
 * over_cap when the person would then have more than `maxBrowsers` devices (nothing changes
 * then: the code stays unused, so it works after a browser is unlinked).
 * The person both then belong to is the issuer's, else the caller's, else `newPersonId`; when
 * both had one, the caller's whole person joins the issuer's (a merge).
 * Under the link lock, which every change of a device's person takes, so two links at once
 * cannot both pass the cap: the second counts after the first committed (READ COMMITTED
 * takes a new snapshot per statement, after the lock).
 */
export async function redeemLinkCode(
  pool: Pool,
  deviceId: string,
  codeHash: Buffer,
  now: Date,
  newPersonId: string,
  maxBrowsers: number,
): Promise<RedeemResult> {
  return withTransaction(pool, async (client) => {
    await lockLinks(client);
    // The caller may have been revoked since its credential was cached: it links to no one.
    const caller = await client.query<{ person_id: string | null }>(
      'SELECT person_id FROM devices WHERE id = $1 AND revoked_at IS NULL',
      [deviceId],
    );
    if (caller.rows[0] === undefined) return { kind: 'no_code' };
    const callerPerson = caller.rows[0].person_id;
    const found = await client.query<{ issuer: string; issuer_person: string | null }>(
      `SELECT c.device_id AS issuer, d.person_id AS issuer_person
         FROM link_codes c JOIN devices d ON d.id = c.device_id
        WHERE c.code_hash = $1 AND c.used_at IS NULL AND c.expires_at > $3
          AND c.device_id <> $2 AND d.revoked_at IS NULL`,
      [codeHash, deviceId, now],
    );
    const issuer = found.rows[0];
    if (issuer === undefined) return { kind: 'no_code' };
    const devices = [issuer.issuer, deviceId];
    const persons = [issuer.issuer_person, callerPerson].filter((p): p is string => p !== null);
    // Two browsers of one person already: the link changes nothing, so the cap does not apply.
    if (issuer.issuer_person === null || issuer.issuer_person !== callerPerson) {
      const counted = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM devices
          WHERE id = ANY($1::uuid[]) OR person_id = ANY($2::uuid[])`,
        [devices, persons],
      );
      const browsers = counted.rows[0]?.n ?? 0;
      if (browsers > maxBrowsers) return { kind: 'over_cap', browsers };
    }
    // The code may have been replaced meanwhile (insertLinkCode does not take the link lock).
    const used = await client.query(
      'UPDATE link_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL',
      [codeHash, now],
    );
    if (used.rowCount !== 1) return { kind: 'no_code' };
    const personId = issuer.issuer_person ?? callerPerson ?? newPersonId;
    await client.query(
      `UPDATE devices SET person_id = $1
        WHERE id = ANY($2::uuid[]) OR person_id = ANY($3::uuid[])`,
      [personId, devices, persons],
    );
    return { kind: 'linked', link: { personId, devices: await personDevices(client, personId) } };
  });
}

/**
 * Takes `target` out of the person of `caller` (target may be the caller itself); a person left
 * with one device is dissolved (that device is alone again). False: target is not the caller
 * and not a device of the caller's person (nothing changes).
 */
export async function unlinkDevice(pool: Pool, caller: string, target: string): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    await lockLinks(client);
    const r = await client.query<{ id: string; person_id: string | null }>(
      'SELECT id, person_id FROM devices WHERE id = ANY($1::uuid[])',
      [[caller, target]],
    );
    const callerPerson = r.rows.find((row) => row.id === caller)?.person_id ?? null;
    const targetRow = r.rows.find((row) => row.id === target);
    if (target !== caller && (callerPerson === null || targetRow?.person_id !== callerPerson)) {
      return false;
    }
    const person = targetRow?.person_id ?? null;
    if (person === null) return true;
    await client.query('UPDATE devices SET person_id = NULL WHERE id = $1', [target]);
    await dissolveIfAlone(client, person);
    return true;
  });
}

/**
 * Takes the lock that linking holds, in the caller's transaction: a revocation or an erase
 * takes it before it touches the device row (the order linking uses), then leaves its person
 * with dissolveIfAlone.
 */
export async function lockLinks(client: PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [LINK_LOCK]);
}

/** Clears the person of its last device: a device alone has no person. */
export async function dissolveIfAlone(client: PoolClient, person: string | null): Promise<void> {
  if (person === null) return;
  await client.query(
    `UPDATE devices SET person_id = NULL
      WHERE person_id = $1 AND (SELECT count(*) FROM devices WHERE person_id = $1) = 1`,
    [person],
  );
}

/** The device's person and that person's devices (only the device itself when alone). */
export async function linkOfDevice(pool: Pool, deviceId: string): Promise<LinkRow | null> {
  const r = await pool.query<{ person_id: string | null }>(
    'SELECT person_id FROM devices WHERE id = $1',
    [deviceId],
  );
  const row = r.rows[0];
  if (row === undefined) return null;
  if (row.person_id === null) {
    return { personId: null, devices: await devicesWhere(pool, 'd.id = $1', deviceId) };
  }
  return { personId: row.person_id, devices: await personDevices(pool, row.person_id) };
}

function personDevices(db: Pool | PoolClient, personId: string): Promise<LinkedDeviceRow[]> {
  return devicesWhere(db, 'd.person_id = $1', personId);
}

async function devicesWhere(
  db: Pool | PoolClient,
  where: string,
  value: string,
): Promise<LinkedDeviceRow[]> {
  const r = await db.query<{
    id: string;
    browser_name: string;
    os: string;
    label: string | null;
    last_sync_at: Date | null;
  }>(
    `SELECT d.id, d.browser_name, d.os, d.label,
            (SELECT v.received_at FROM visits v WHERE v.device_id = d.id
              ORDER BY v.started_at DESC LIMIT 1) AS last_sync_at
       FROM devices d WHERE ${where} ORDER BY d.created_at, d.id`,
    [value],
  );
  return r.rows.map((row) => ({
    id: row.id,
    browserName: row.browser_name,
    os: row.os,
    label: row.label,
    lastSyncAt: row.last_sync_at,
  }));
}
