import { parseArgs } from 'node:util';
import {
  STUDY_COMMANDS,
  STUDY_GROUPS,
  type StudyCommand,
  studyUsage,
  UsageError,
} from './study-args.js';

export { UsageError } from './study-args.js';

const DLQ_USAGE = `  dlq replay [--dry-run] [--limit N]
      Put the dead letters not replayed yet (KAFKA_DLQ_TOPIC) back onto
      KAFKA_TOPIC, oldest first, for the consumer to store. Replayed letters
      are marked by the consumer group <KAFKA_GROUP_ID>-dlq-replay, so a rerun
      replays only newer ones; storing one twice is harmless (ON CONFLICT).
      Fix what made them fail first, or they are dead-lettered again.
      --dry-run    list what would be replayed; change nothing
      --limit N    replay at most N dead letters (default: all)`;

export const USAGE = `Usage: npm run admin -- <command> [options]
  (production image: npm run start:admin -- <command>, or node dist/server/admin.mjs <command>)

Commands (each takes --help, and --json for output scripts read, except dlq replay):
${DLQ_USAGE}

${Object.values(STUDY_COMMANDS)
  .map((s) => `  ${s.usage.replace(/\n {4}/g, '\n      ')}`)
  .join('\n\n')}

Options:
  --json       print JSON instead of text (codes, cohorts, devices)
  -h, --help   show this help (of a command: <command> --help)

Dates: YYYY-MM-DD means the end of that day, UTC; or an instant with its offset.
Environment: DATABASE_URL (codes, cohorts, devices); KAFKA_BROKERS (required by dlq replay),
KAFKA_TOPIC, KAFKA_DLQ_TOPIC, KAFKA_GROUP_ID, KAFKA_CLIENT_ID; LOG_LEVEL (logs go to stderr).
`;

export type AdminCommand =
  | { kind: 'help'; text: string }
  | { kind: 'dlq-replay'; dryRun: boolean; limit: number | undefined }
  | StudyCommand;

/** The command the arguments name (after `npm run admin --`), or a UsageError. */
export function parseAdminArgs(argv: string[], now: Date = new Date()): AdminCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError((err as Error).message.split(/\.\s|\n/)[0] ?? 'bad arguments');
  }
  const { values, positionals } = parsed;
  const [group, sub] = positionals;
  const command = positionals.slice(0, 2).join(' ');
  const spec = STUDY_COMMANDS[command];
  if (values.help === true) {
    if (spec !== undefined) return { kind: 'help', text: studyUsage(command) };
    if (group !== undefined && STUDY_GROUPS.includes(group)) {
      return { kind: 'help', text: studyUsage(group) };
    }
    return { kind: 'help', text: USAGE };
  }
  if (group === undefined) throw new UsageError('no command given (see --help)');
  const given = Object.keys(values).filter((k) => values[k as keyof typeof values] !== undefined);
  if (spec !== undefined) {
    const wrong = given.find((o) => o !== 'json' && !spec.options.includes(o));
    if (wrong !== undefined)
      throw new UsageError(`${command} does not take --${wrong} (see --help)`);
    const args = positionals.slice(2);
    if (args.length < spec.args.length) {
      throw new UsageError(`${command} needs <${spec.args[args.length]}> (see ${command} --help)`);
    }
    const extra = args[spec.args.length];
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}" (see --help)`);
    return spec.build({ values, args, now });
  }
  if (STUDY_GROUPS.includes(group) && sub === undefined) {
    const subs = Object.keys(STUDY_COMMANDS)
      .filter((c) => c.startsWith(`${group} `))
      .map((c) => c.slice(group.length + 1));
    throw new UsageError(`${group}: which command? ${subs.join(', ')} (see ${group} --help)`);
  }
  if (command !== 'dlq replay') throw new UsageError(`unknown command "${command}" (see --help)`);
  const extra = positionals[2];
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}" (see --help)`);
  const wrong = given.find((o) => !['dry-run', 'limit'].includes(o));
  if (wrong !== undefined) throw new UsageError(`dlq replay does not take --${wrong} (see --help)`);
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = /^[1-9][0-9]*$/.test(values.limit) ? Number(values.limit) : Number.NaN;
    if (!Number.isSafeInteger(limit)) {
      throw new UsageError(`--limit must be a positive integer, not "${values.limit}"`);
    }
  }
  return { kind: 'dlq-replay', dryRun: values['dry-run'] === true, limit };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'dry-run': { type: 'boolean' },
      limit: { type: 'string' },
      cohort: { type: 'string' },
      uses: { type: 'string' },
      count: { type: 'string' },
      expires: { type: 'string' },
      'study-ends': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
