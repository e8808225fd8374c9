/** Runs `admin codes|cohorts|devices` and prints what it did: text, or JSON with --json. */
import type { Pool } from '../../data-access/pool.js';
import * as admin from '../../domain/study-admin.js';
import type { StudyCommand } from './study-args.js';

const iso = (d: Date | null | undefined): string => d?.toISOString() ?? '-';

/** Columns padded to their widest cell, two spaces apart. */
function table(header: string[], rows: string[][]): string[] {
  if (rows.length === 0) return ['(none)'];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
  );
}

function codeState(c: admin.CodeRow, now: Date): string {
  if (c.revokedAt !== null) return 'revoked';
  if (c.expiresAt !== null && c.expiresAt.getTime() <= now.getTime()) return 'expired';
  return c.uses >= c.maxUses ? 'used up' : 'active';
}

/** Runs the command; `print` takes each line of its output. */
export async function runStudyCommand(
  pool: Pool,
  cmd: StudyCommand,
  now: Date,
  print: (line: string) => void,
): Promise<void> {
  const out = (value: unknown, lines: () => string[]): void => {
    if (cmd.json) print(JSON.stringify(value, null, 2));
    else for (const line of lines()) print(line);
  };
  switch (cmd.kind) {
    case 'codes-create': {
      const made = await admin.createCodes(pool, { ...cmd });
      return out(made, () => [
        `cohort "${made.cohort}"${made.cohortCreated ? ' (new)' : ''}, study end ${iso(made.studyEndsAt)}; ` +
          `${made.codes.length} code(s), ${made.uses} use(s) each, expiring ${made.expiresAt === null ? 'never' : iso(made.expiresAt)}:`,
        ...made.codes.map((c) => c.code),
      ]);
    }
    case 'codes-list': {
      const codes = await admin.listCodes(pool, cmd.cohort);
      const rows = codes.map((c) => ({ ...c, state: codeState(c, now) }));
      return out(rows, () =>
        table(
          ['ID', 'CODE', 'COHORT', 'USES', 'EXPIRES', 'STATE'],
          rows.map((c) => [
            String(c.id),
            c.hint,
            c.cohort,
            `${c.uses}/${c.maxUses}`,
            iso(c.expiresAt),
            c.state,
          ]),
        ),
      );
    }
    case 'codes-revoke': {
      const r = await admin.revokeCode(pool, cmd.code, now);
      return out({ ...r.code, already: r.already }, () => [
        `code ${r.code.id} (${r.code.hint}, cohort "${r.code.cohort}") ${r.already ? 'was already revoked' : 'revoked'} at ${iso(r.code.revokedAt)}`,
      ]);
    }
    case 'cohorts-list': {
      const cohorts = await admin.listCohorts(pool);
      return out(cohorts, () =>
        table(
          ['COHORT', 'DEVICES', 'REVOKED', 'CODES', 'LAST ACTIVITY', 'STUDY END'],
          cohorts.map((c) => [
            c.name,
            String(c.devices),
            String(c.revokedDevices),
            String(c.codes),
            iso(c.lastActivity),
            c.studyEndsAt === null ? 'none' : iso(c.studyEndsAt),
          ]),
        ),
      );
    }
    case 'cohorts-set-end': {
      await admin.setStudyEnd(pool, cmd.cohort, cmd.end);
      return out({ cohort: cmd.cohort, studyEndsAt: cmd.end }, () => [
        `cohort "${cmd.cohort}": study end ${cmd.end === null ? 'none' : iso(cmd.end)}`,
      ]);
    }
    case 'devices-list': {
      const devices = await admin.listDevices(pool, cmd.cohort);
      return out(devices, () =>
        table(
          ['ID', 'COHORT', 'LABEL', 'BROWSER', 'OS', 'REGISTERED', 'LAST ACTIVITY', 'STATE'],
          devices.map((d) => [
            d.id,
            d.cohort ?? '-',
            d.label ?? '-',
            d.browser,
            d.os,
            iso(d.createdAt),
            iso(d.lastActivity),
            d.revokedAt === null ? 'active' : 'revoked',
          ]),
        ),
      );
    }
    case 'devices-revoke': {
      const r = await admin.revokeDevice(pool, cmd.deviceId, now);
      return out({ deviceId: cmd.deviceId, ...r }, () => [
        `device ${cmd.deviceId} ${r.already ? 'was already revoked' : 'revoked'} at ${iso(r.revokedAt)}`,
      ]);
    }
    case 'devices-erase': {
      const deletedVisits = await admin.eraseDevice(pool, cmd.deviceId);
      return out({ deviceId: cmd.deviceId, deletedVisits }, () => [
        `device ${cmd.deviceId} erased with its ${deletedVisits} visit(s)`,
      ]);
    }
  }
}
