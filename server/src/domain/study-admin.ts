/**
 * The administrator's side: enrolment codes, cohorts and their study ends, devices
 * (`npm run admin -- codes|cohorts|devices`, entry-points/admin). Each action is one
 * statement or one transaction: a failure leaves nothing half done.
 */

import type { Pool } from '../data-access/pool.js';
import * as repo from '../data-access/study-repo.js';
import { eraseDeviceData } from './devices.js';
import { hashCode, hintOf, newEnrollmentCode, normalizeCode } from './enrollment.js';
import { AppError } from './errors.js';

export type { CodeRow, CohortRow, DeviceRow } from '../data-access/study-repo.js';

/** An administrative action that cannot be done as asked: one line, for stderr. */
export class AdminError extends Error {
  override name = 'AdminError';
}

export interface CreatedCodes {
  cohort: string;
  cohortCreated: boolean;
  studyEndsAt: Date | null;
  uses: number;
  expiresAt: Date | null;
  /** The codes themselves: shown once, only their hashes are stored. */
  codes: Array<{ id: number; code: string }>;
}

export async function createCodes(
  pool: Pool,
  opts: {
    cohort: string;
    count: number;
    uses: number;
    expiresAt: Date | null;
    /** undefined: keep an existing cohort's end (a new cohort gets none). */
    studyEndsAt: Date | null | undefined;
  },
): Promise<CreatedCodes> {
  const plain = Array.from({ length: opts.count }, () => newEnrollmentCode());
  const codes = plain.map((code) => {
    const normalized = normalizeCode(code) as string;
    return { hash: hashCode(normalized), hint: hintOf(normalized) };
  });
  const result = await repo.createCodes(pool, {
    cohort: opts.cohort,
    studyEndsAt: opts.studyEndsAt,
    codes,
    maxUses: opts.uses,
    expiresAt: opts.expiresAt,
  });
  if (result.kind === 'conflict') {
    const end = result.studyEndsAt?.toISOString() ?? 'never';
    throw new AdminError(
      `cohort "${opts.cohort}" exists with study end ${end}; change it with "cohorts set-end", nothing was created`,
    );
  }
  return {
    cohort: opts.cohort,
    cohortCreated: result.cohortCreated,
    studyEndsAt: result.studyEndsAt,
    uses: opts.uses,
    expiresAt: opts.expiresAt,
    codes: result.ids.map((id, i) => ({ id, code: plain[i] as string })),
  };
}

async function knownCohort(pool: Pool, cohort: string | undefined): Promise<void> {
  if (cohort !== undefined && !(await repo.cohortExists(pool, cohort))) {
    throw new AdminError(`no cohort "${cohort}" (see cohorts list)`);
  }
}

export async function listCodes(pool: Pool, cohort: string | undefined): Promise<repo.CodeRow[]> {
  await knownCohort(pool, cohort);
  return repo.listCodes(pool, cohort);
}

/** `codeOrId`: the code as printed (any case, dashes optional) or its id from codes list. */
export async function revokeCode(
  pool: Pool,
  codeOrId: string,
  now: Date,
): Promise<{ code: repo.CodeRow; already: boolean }> {
  let by: { hash: Buffer } | { id: number };
  if (/^[0-9]{1,15}$/.test(codeOrId)) {
    by = { id: Number(codeOrId) };
  } else {
    const normalized = normalizeCode(codeOrId);
    if (normalized === null) {
      throw new AdminError(`"${codeOrId}" is neither an enrolment code nor a code id`);
    }
    by = { hash: hashCode(normalized) };
  }
  const revoked = await repo.revokeCode(pool, by, now);
  if (revoked === null) throw new AdminError(`no enrolment code "${codeOrId}" (see codes list)`);
  return revoked;
}

export const listCohorts = (pool: Pool): Promise<repo.CohortRow[]> => repo.listCohorts(pool);

export async function setStudyEnd(pool: Pool, cohort: string, end: Date | null): Promise<void> {
  if (!(await repo.setStudyEnd(pool, cohort, end))) {
    throw new AdminError(`no cohort "${cohort}" (see cohorts list)`);
  }
}

export async function listDevices(
  pool: Pool,
  cohort: string | undefined,
): Promise<repo.DeviceRow[]> {
  await knownCohort(pool, cohort);
  return repo.listDevices(pool, cohort);
}

export async function revokeDevice(
  pool: Pool,
  deviceId: string,
  now: Date,
): Promise<{ revokedAt: Date; already: boolean }> {
  const revoked = await repo.revokeDevice(pool, deviceId, now);
  if (revoked === null) throw new AdminError(`no device ${deviceId} (unknown, or erased)`);
  return revoked;
}

/** As the device's own DELETE /api/v1/me: the device, its visits; its token then gets 403. */
export async function eraseDevice(pool: Pool, deviceId: string): Promise<number> {
  try {
    return await eraseDeviceData(pool, deviceId);
  } catch (err) {
    if (err instanceof AppError && err.code === 'device_deleted') {
      throw new AdminError(`no device ${deviceId} (unknown, or erased already)`);
    }
    throw err;
  }
}
