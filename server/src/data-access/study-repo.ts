/** What `npm run admin -- codes|cohorts|devices` reads and changes (see domain/study-admin.ts). */
import { dissolveIfAlone, lockLinks } from './link-repo.js';
import { type Pool, withTransaction } from './pool.js';

export interface NewCodes {
  cohort: string;
  /** Set on a new cohort; for an existing one it must be its study end (or undefined). */
  studyEndsAt: Date | null | undefined;
  codes: Array<{ hash: Buffer; hint: string }>;
  maxUses: number;
  expiresAt: Date | null;
}

export type CreatedCodes =
  | { kind: 'created'; ids: number[]; cohortCreated: boolean; studyEndsAt: Date | null }
  /** The cohort exists with another study end: nothing was created. */
  | { kind: 'conflict'; studyEndsAt: Date | null };

const sameInstant = (a: Date | null, b: Date | null): boolean =>
  a === null || b === null ? a === b : a.getTime() === b.getTime();

/** Creates the cohort when it is new, and the codes, in one transaction. */
export async function createCodes(pool: Pool, n: NewCodes): Promise<CreatedCodes> {
  return withTransaction(pool, async (client) => {
    const inserted = await client.query<{ id: string; study_ends_at: Date | null }>(
      `INSERT INTO cohorts (name, study_ends_at) VALUES ($1, $2)
       ON CONFLICT (name) DO NOTHING RETURNING id, study_ends_at`,
      [n.cohort, n.studyEndsAt ?? null],
    );
    let cohort = inserted.rows[0];
    const cohortCreated = cohort !== undefined;
    if (cohort === undefined) {
      const found = await client.query<{ id: string; study_ends_at: Date | null }>(
        'SELECT id, study_ends_at FROM cohorts WHERE name = $1 FOR UPDATE',
        [n.cohort],
      );
      cohort = found.rows[0] as { id: string; study_ends_at: Date | null };
      if (n.studyEndsAt !== undefined && !sameInstant(n.studyEndsAt, cohort.study_ends_at)) {
        return { kind: 'conflict', studyEndsAt: cohort.study_ends_at };
      }
    }
    const codes = await client.query<{ id: string }>(
      `INSERT INTO enrollment_codes (code_hash, hint, cohort_id, max_uses, expires_at)
       SELECT h, t, $3, $4, $5 FROM unnest($1::bytea[], $2::text[]) AS c(h, t)
       RETURNING id`,
      [n.codes.map((c) => c.hash), n.codes.map((c) => c.hint), cohort.id, n.maxUses, n.expiresAt],
    );
    return {
      kind: 'created',
      ids: codes.rows.map((r) => Number(r.id)),
      cohortCreated,
      studyEndsAt: cohort.study_ends_at,
    };
  });
}

export interface CodeRow {
  id: number;
  hint: string;
  cohort: string;
  uses: number;
  maxUses: number;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

const CODE_COLUMNS = `e.id, e.hint, c.name AS cohort, e.uses, e.max_uses, e.expires_at,
  e.revoked_at, e.created_at`;

interface RawCode {
  id: string;
  hint: string;
  cohort: string;
  uses: number;
  max_uses: number;
  expires_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

const codeRow = (r: RawCode): CodeRow => ({
  id: Number(r.id),
  hint: r.hint,
  cohort: r.cohort,
  uses: r.uses,
  maxUses: r.max_uses,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  createdAt: r.created_at,
});

export async function listCodes(pool: Pool, cohort: string | undefined): Promise<CodeRow[]> {
  const res = await pool.query<RawCode>(
    `SELECT ${CODE_COLUMNS} FROM enrollment_codes e JOIN cohorts c ON c.id = e.cohort_id
      WHERE $1::text IS NULL OR c.name = $1 ORDER BY e.id`,
    [cohort ?? null],
  );
  return res.rows.map(codeRow);
}

/**
 * Revokes the code with this hash (or id). `already`: it was revoked before (unchanged).
 * Null when there is no such code.
 */
export async function revokeCode(
  pool: Pool,
  by: { hash: Buffer } | { id: number },
  now: Date,
): Promise<{ code: CodeRow; already: boolean } | null> {
  const where = 'hash' in by ? 'e.code_hash = $1' : 'e.id = $1';
  const key = 'hash' in by ? by.hash : by.id;
  return withTransaction(pool, async (client) => {
    const found = await client.query<RawCode>(
      `SELECT ${CODE_COLUMNS} FROM enrollment_codes e JOIN cohorts c ON c.id = e.cohort_id
        WHERE ${where} FOR UPDATE OF e`,
      [key],
    );
    const row = found.rows[0];
    if (row === undefined) return null;
    if (row.revoked_at !== null) return { code: codeRow(row), already: true };
    await client.query('UPDATE enrollment_codes SET revoked_at = $2 WHERE id = $1', [row.id, now]);
    return { code: codeRow({ ...row, revoked_at: now }), already: false };
  });
}

export interface CohortRow {
  name: string;
  studyEndsAt: Date | null;
  devices: number;
  revokedDevices: number;
  codes: number;
  /** When the newest visit of its devices was received (null: none stored). */
  lastActivity: Date | null;
  createdAt: Date;
}

/** The last visit a device stored, found through visits (device_id, started_at). */
const LAST_ACTIVITY = `(SELECT v.received_at FROM visits v WHERE v.device_id = d.id
                         ORDER BY v.started_at DESC LIMIT 1)`;

export async function listCohorts(pool: Pool): Promise<CohortRow[]> {
  const res = await pool.query<{
    name: string;
    study_ends_at: Date | null;
    devices: string;
    revoked: string;
    codes: string;
    last_activity: Date | null;
    created_at: Date;
  }>(
    `SELECT c.name, c.study_ends_at, c.created_at,
            (SELECT count(*) FROM devices d WHERE d.cohort_id = c.id) AS devices,
            (SELECT count(*) FROM devices d
              WHERE d.cohort_id = c.id AND d.revoked_at IS NOT NULL) AS revoked,
            (SELECT count(*) FROM enrollment_codes e WHERE e.cohort_id = c.id) AS codes,
            (SELECT max(${LAST_ACTIVITY}) FROM devices d WHERE d.cohort_id = c.id) AS last_activity
       FROM cohorts c ORDER BY c.name`,
  );
  return res.rows.map((r) => ({
    name: r.name,
    studyEndsAt: r.study_ends_at,
    devices: Number(r.devices),
    revokedDevices: Number(r.revoked),
    codes: Number(r.codes),
    lastActivity: r.last_activity,
    createdAt: r.created_at,
  }));
}

/** Sets (or with null clears) a cohort's study end; false when there is no such cohort. */
export async function setStudyEnd(pool: Pool, cohort: string, end: Date | null): Promise<boolean> {
  const res = await pool.query('UPDATE cohorts SET study_ends_at = $2 WHERE name = $1', [
    cohort,
    end,
  ]);
  return res.rowCount === 1;
}

export async function cohortExists(pool: Pool, cohort: string): Promise<boolean> {
  const res = await pool.query('SELECT 1 FROM cohorts WHERE name = $1', [cohort]);
  return res.rowCount === 1;
}

export interface DeviceRow {
  id: string;
  label: string | null;
  cohort: string | null;
  browser: string;
  os: string;
  createdAt: Date;
  revokedAt: Date | null;
  lastActivity: Date | null;
}

export async function listDevices(pool: Pool, cohort: string | undefined): Promise<DeviceRow[]> {
  const res = await pool.query<{
    id: string;
    label: string | null;
    cohort: string | null;
    browser: string;
    os: string;
    created_at: Date;
    revoked_at: Date | null;
    last_activity: Date | null;
  }>(
    `SELECT d.id, d.label, c.name AS cohort, d.browser_name || ' ' || d.browser_version AS browser,
            d.os, d.created_at, d.revoked_at, ${LAST_ACTIVITY} AS last_activity
       FROM devices d LEFT JOIN cohorts c ON c.id = d.cohort_id
      WHERE $1::text IS NULL OR c.name = $1 ORDER BY d.created_at, d.id`,
    [cohort ?? null],
  );
  return res.rows.map((r) => ({
    id: r.id,
    label: r.label,
    cohort: r.cohort,
    browser: r.browser.trim(),
    os: r.os,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastActivity: r.last_activity,
  }));
}

/** Revokes a device: its token gets 403 device_revoked; it is unlinked. Null: no such device. */
export async function revokeDevice(
  pool: Pool,
  deviceId: string,
  now: Date,
): Promise<{ revokedAt: Date; already: boolean } | null> {
  return withTransaction(pool, async (client) => {
    await lockLinks(client);
    // Read before the row lock: a device already revoked (for good) may be one an erase is
    // deleting, whose row lock this must not wait on while it holds the link lock.
    const seen = await client.query<{ revoked_at: Date | null }>(
      'SELECT revoked_at FROM devices WHERE id = $1',
      [deviceId],
    );
    const before = seen.rows[0];
    if (before === undefined) return null;
    if (before.revoked_at !== null) return { revokedAt: before.revoked_at, already: true };
    const found = await client.query<{ revoked_at: Date | null; person_id: string | null }>(
      'SELECT revoked_at, person_id FROM devices WHERE id = $1 FOR UPDATE',
      [deviceId],
    );
    const row = found.rows[0];
    if (row === undefined) return null;
    if (row.revoked_at !== null) return { revokedAt: row.revoked_at, already: true };
    // A revoked device is unlinked: its person's other devices no longer see it, nor it them.
    await client.query('UPDATE devices SET revoked_at = $2, person_id = NULL WHERE id = $1', [
      deviceId,
      now,
    ]);
    await dissolveIfAlone(client, row.person_id);
    return { revokedAt: now, already: false };
  });
}
