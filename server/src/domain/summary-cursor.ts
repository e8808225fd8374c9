/**
 * The summary's cursor (GET /api/v1/me/summary?since=): opaque to the client, it is the range,
 * zone and linked devices an answer was for and the snapshot it was read in. A later request
 * with it for the same zone and devices and a range that overlaps the cursor's gets the days of
 * both ranges changed since (data-access/summary-changes-repo.ts) and the days only its own range
 * has whole; otherwise the whole range. It holds no figures and no ids (the devices as a
 * digest).
 *
 * Sealed with the server's key (AES-256-GCM, data-access/summary-cursor-key.ts): the snapshot's
 * transaction ids are the whole server's, and their progress between two answers would tell a
 * device how much every other device wrote. Sealed, a cursor says nothing to the device, and
 * one it made up or changed is refused with 400 before the database is asked anything. Its
 * length does not tell how many writers were in progress either (encodeCursor).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SinceRange } from '../data-access/summary-repo.js';
import { AppError } from './errors.js';

export interface SummaryCursor {
  from: string;
  to: string;
  tz: string;
  /** devicesDigest of the devices the answer counted. */
  devices: string;
  /** The reader's snapshot, pg_snapshot text "xmin:xmax:xip,...". */
  snapshot: string;
}

/** Room for a snapshot with a few hundred transactions in progress. */
export const SINCE_MAX_CHARS = 16_384;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SNAPSHOT = /^\d{1,20}:\d{1,20}:(\d{1,20}(,\d{1,20})*)?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A digest of a set of device ids, whatever their order. */
export function devicesDigest(ids: string[]): string {
  return createHash('sha256')
    .update([...ids].sort().join(','))
    .digest('base64url')
    .slice(0, 22);
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** The sealed text is padded to a multiple of this. */
const PAD_BYTES = 256;

/**
 * The cursor sealed with `key` (32 bytes): base64url of IV, tag and ciphertext. Its length is
 * that of the same cursor with the snapshot "xmin:xmin:", padded to whole blocks: it holds the
 * snapshot as read when that fits in those blocks, else "xmin:xmin:" itself (at ten-digit
 * transaction ids, past 11 to 14 writers in progress, by the zone's name). That snapshot is
 * older than the one read: the next answer takes every transaction from xmin on as unseen, so
 * it lists as changed some days the answer already counted, which the client replaces with the
 * same figures. Never fewer days, so it stays correct; a busy server's answers are only larger.
 */
export function encodeCursor(cursor: SummaryCursor, key: Buffer): string {
  const { from, to, tz, devices, snapshot } = cursor;
  const jsonOf = (s: string) => JSON.stringify({ f: from, t: to, z: tz, d: devices, s });
  const xmin = snapshot.slice(0, snapshot.indexOf(':'));
  const least = jsonOf(`${xmin}:${xmin}:`);
  const size = Math.ceil(Buffer.byteLength(least) / PAD_BYTES) * PAD_BYTES;
  const read = jsonOf(snapshot);
  const json = Buffer.byteLength(read) <= size ? read : least;
  // JSON ends where its text does: the spaces after it are read as nothing.
  const plain = Buffer.from(json.padEnd(size - (Buffer.byteLength(json) - json.length)), 'utf8');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The JSON a cursor sealed with `key` holds, or undefined for any text that is not one. */
function openCursor(since: string, key: Buffer): unknown {
  const raw = Buffer.from(since, 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]);
    return JSON.parse(plain.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * What an answer for from..to in `tz` of the devices `digest` reads with the cursor `since`: the
 * days of the cursor's range within from..to incrementally (the rest whole), or null (the
 * whole range) for another zone or set of devices, or a range that does not overlap.
 */
export function sinceRange(
  since: SummaryCursor | null,
  range: { from: string; to: string; tz: string },
  digest: string,
): SinceRange | null {
  if (since === null || since.tz !== range.tz || since.devices !== digest) return null;
  // Days as YYYY-MM-DD compare as text.
  const from = since.from > range.from ? since.from : range.from;
  const to = since.to < range.to ? since.to : range.to;
  return from <= to ? { snapshot: since.snapshot, from, to } : null;
}

/** A day of the calendar as YYYY-MM-DD ("2026-02-30" is none). */
function isDay(s: unknown): s is string {
  if (typeof s !== 'string' || !DAY.test(s)) return false;
  const ms = Date.parse(s);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === s;
}

/**
 * The cursor `since` stands for, opened with `key`, or 400 invalid_request when it is not one of
 * this server's (made up, changed, or sealed with another key). What it holds is checked again:
 * the key is the database's, and a backup's copy may be read by more people than the server.
 */
export function decodeCursor(since: string, key: Buffer): SummaryCursor {
  const bad = new AppError(
    'invalid_request',
    'since: not a cursor of this server (changed, sealed with another key, or from before a restore or an upgrade); ask again without since',
  );
  if (!BASE64URL.test(since)) throw bad;
  const value = openCursor(since, key);
  if (typeof value !== 'object' || value === null) throw bad;
  const { f, t, z, d, s } = value as Record<string, unknown>;
  if (
    !isDay(f) ||
    !isDay(t) ||
    t < f ||
    typeof z !== 'string' ||
    typeof d !== 'string' ||
    typeof s !== 'string' ||
    !SNAPSHOT.test(s)
  ) {
    throw bad;
  }
  if (!isSnapshot(s)) throw bad;
  return { from: f, to: t, tz: z, devices: d, snapshot: s };
}

/** Transaction ids PostgreSQL has handed out fit well below this; a larger one is forged. */
const XID_LIMIT = 2n ** 62n;

/**
 * Whether `s` is a snapshot PostgreSQL's pg_snapshot input accepts: xmin and xmax from 1 and
 * in order, the transactions in progress ascending within [xmin, xmax). A cursor that names
 * anything else is refused here with 400, not by the database with an error of its own.
 */
function isSnapshot(s: string): boolean {
  const [xmin, xmax, list] = s.split(':') as [string, string, string];
  const lo = BigInt(xmin);
  const hi = BigInt(xmax);
  if (lo < 1n || hi < lo || hi >= XID_LIMIT) return false;
  let last = lo;
  for (const id of list === '' ? [] : list.split(',').map(BigInt)) {
    if (id < last || id >= hi) return false;
    last = id;
  }
  return true;
}
