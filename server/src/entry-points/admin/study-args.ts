/** The command lines of `admin codes|cohorts|devices` (args.ts parses, study-run.ts runs). */

export type StudyCommand =
  | {
      kind: 'codes-create';
      cohort: string;
      uses: number;
      count: number;
      expiresAt: Date | null;
      studyEndsAt: Date | undefined;
      json: boolean;
    }
  | { kind: 'codes-list'; cohort: string | undefined; json: boolean }
  | { kind: 'codes-revoke'; code: string; json: boolean }
  | { kind: 'cohorts-list'; json: boolean }
  | { kind: 'cohorts-set-end'; cohort: string; end: Date | null; json: boolean }
  | { kind: 'devices-list'; cohort: string | undefined; json: boolean }
  | { kind: 'devices-revoke'; deviceId: string; json: boolean }
  | { kind: 'devices-erase'; deviceId: string; json: boolean };

/** What the parser read: option values (strings, or true for flags) and the arguments. */
export interface ReadArgs {
  values: Record<string, string | boolean | undefined>;
  args: string[];
  now: Date;
}

/** A bad command line: its message is one line, for stderr. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CommandSpec {
  usage: string;
  /** Options it takes besides --help and --json. */
  options: string[];
  /** Names of its arguments, in order. */
  args: string[];
  build(a: ReadArgs): StudyCommand;
}

const DATE_HELP = `Dates: YYYY-MM-DD means the end of that day, UTC (the next day's 00:00Z);
or an instant with its offset, e.g. 2027-03-31T18:00:00+02:00.`;

const COHORT_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function cohortName(value: unknown, flag: string): string {
  if (value === undefined) throw new UsageError(`${flag} <name> is required (see --help)`);
  if (typeof value !== 'string' || !COHORT_RE.test(value)) {
    throw new UsageError(
      `${flag} must be a cohort name of 1 to 64 letters, digits, '.', '_' or '-' (starting with a letter or digit), not "${String(value)}"`,
    );
  }
  return value;
}

function integer(value: unknown, flag: string, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : 0;
  if (n < 1 || n > max) {
    throw new UsageError(`${flag} must be an integer from 1 to ${max}, not "${String(value)}"`);
  }
  return n;
}

/** YYYY-MM-DD (the end of that day, UTC) or an ISO 8601 instant with Z or an offset. */
export function parseWhen(value: unknown, flag: string): Date {
  const text = typeof value === 'string' ? value : '';
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  let when: Date | null = null;
  if (day !== null) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const start = new Date(Date.UTC(y, m - 1, d));
    if (start.getUTCMonth() === m - 1 && start.getUTCDate() === d) {
      when = new Date(start.getTime() + 86_400_000);
    }
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    const parsed = new Date(text);
    if (!Number.isNaN(parsed.getTime())) when = parsed;
  }
  if (when === null) {
    throw new UsageError(
      `${flag} must be a date (YYYY-MM-DD) or an instant with its offset (2027-03-31T18:00:00Z), not "${text}"`,
    );
  }
  return when;
}

function future(value: unknown, flag: string, now: Date): Date {
  const when = parseWhen(value, flag);
  if (when.getTime() <= now.getTime()) {
    throw new UsageError(`${flag} ${String(value)} is in the past`);
  }
  return when;
}

function deviceId(value: string | undefined): string {
  if (value === undefined || !UUID_RE.test(value)) {
    throw new UsageError(`a device id is a UUID (see devices list), not "${value ?? ''}"`);
  }
  return value.toLowerCase();
}

const json = (a: ReadArgs): boolean => a.values.json === true;

export const STUDY_COMMANDS: Record<string, CommandSpec> = {
  'codes create': {
    usage: `codes create --cohort <name> [--uses N] [--count K] [--expires <date>] [--study-ends <date>]
    Print K new enrolment codes (default 1) for the cohort, each registering up to N devices
    (default 1) until it expires (default: never). The cohort is created when new; --study-ends
    sets its study end (a new cohort), or must match an existing cohort's (see cohorts set-end).
    The codes are shown once: the server keeps only their hashes.`,
    options: ['cohort', 'uses', 'count', 'expires', 'study-ends'],
    args: [],
    build: (a) => ({
      kind: 'codes-create',
      cohort: cohortName(a.values.cohort, '--cohort'),
      uses: integer(a.values.uses, '--uses', 1_000_000, 1),
      count: integer(a.values.count, '--count', 1_000, 1),
      expiresAt:
        a.values.expires === undefined ? null : future(a.values.expires, '--expires', a.now),
      studyEndsAt:
        a.values['study-ends'] === undefined
          ? undefined
          : future(a.values['study-ends'], '--study-ends', a.now),
      json: json(a),
    }),
  },
  'codes list': {
    usage: `codes list [--cohort <name>]
    The codes (their first group only), uses, expiry and state.`,
    options: ['cohort'],
    args: [],
    build: (a) => ({
      kind: 'codes-list',
      cohort: a.values.cohort === undefined ? undefined : cohortName(a.values.cohort, '--cohort'),
      json: json(a),
    }),
  },
  'codes revoke': {
    usage: `codes revoke <code|id>
    The code (as printed, or its id from codes list) registers no more devices; those it
    registered keep syncing.`,
    options: [],
    args: ['code'],
    build: (a) => ({ kind: 'codes-revoke', code: a.args[0] as string, json: json(a) }),
  },
  'cohorts list': {
    usage: `cohorts list
    Each cohort: its devices (and how many revoked), codes, last activity and study end.`,
    options: [],
    args: [],
    build: (a) => ({ kind: 'cohorts-list', json: json(a) }),
  },
  'cohorts set-end': {
    usage: `cohorts set-end <name> <date|now|none>
    Set (or with none clear) the cohort's study end: from then on the server refuses its
    devices' events (403 study_ended); what they sent before stays.`,
    options: [],
    args: ['name', 'end'],
    build: (a) => {
      const end = a.args[1];
      return {
        kind: 'cohorts-set-end',
        cohort: cohortName(a.args[0], 'the cohort'),
        end: end === 'none' ? null : end === 'now' ? a.now : parseWhen(end, 'the study end'),
        json: json(a),
      };
    },
  },
  'devices list': {
    usage: `devices list [--cohort <name>]
    The devices (all, or the cohort's): id, cohort, label, browser, registration, last activity.`,
    options: ['cohort'],
    args: [],
    build: (a) => ({
      kind: 'devices-list',
      cohort: a.values.cohort === undefined ? undefined : cohortName(a.values.cohort, '--cohort'),
      json: json(a),
    }),
  },
  'devices revoke': {
    usage: `devices revoke <id>
    The device's token stops working (403 device_revoked); its data stays (see devices erase).`,
    options: [],
    args: ['id'],
    build: (a) => ({ kind: 'devices-revoke', deviceId: deviceId(a.args[0]), json: json(a) }),
  },
  'devices erase': {
    usage: `devices erase <id>
    Delete the device and every visit it sent, as its own "erase" does; its token then gets
    403 device_deleted.`,
    options: [],
    args: ['id'],
    build: (a) => ({ kind: 'devices-erase', deviceId: deviceId(a.args[0]), json: json(a) }),
  },
};

export const STUDY_GROUPS = ['codes', 'cohorts', 'devices'];

/** The help of one command, or of a group of them. */
export function studyUsage(prefix: string): string {
  const specs = Object.entries(STUDY_COMMANDS).filter(([name]) => name.startsWith(prefix));
  return `Usage: npm run admin -- ${prefix} ...\n\n${specs.map(([, s]) => `  ${s.usage}`).join('\n\n')}

Options:
  --json       print JSON (for scripts) instead of text
  -h, --help   show this help

${DATE_HELP}
Environment: DATABASE_URL (required), LOG_LEVEL.
`;
}
