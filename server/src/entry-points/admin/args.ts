import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  dlq replay [--dry-run] [--limit N]
      Put the dead letters not replayed yet (KAFKA_DLQ_TOPIC) back onto
      KAFKA_TOPIC, oldest first, for the consumer to store. Replayed letters
      are marked by the consumer group <KAFKA_GROUP_ID>-dlq-replay, so a rerun
      replays only newer ones; storing one twice is harmless (ON CONFLICT).
      Fix what made them fail first, or they are dead-lettered again.

Options:
  --dry-run    list what would be replayed; change nothing
  --limit N    replay at most N dead letters (default: all)
  -h, --help   show this help

Environment: KAFKA_BROKERS (required), KAFKA_TOPIC, KAFKA_DLQ_TOPIC, KAFKA_GROUP_ID,
KAFKA_CLIENT_ID, LOG_LEVEL (logs go to stderr).
`;

export type AdminCommand =
  | { kind: 'help' }
  | { kind: 'dlq-replay'; dryRun: boolean; limit: number | undefined };

/** A bad command line: its message is one line, for stderr. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The command the arguments name (after `npm run admin --`), or a UsageError. */
export function parseAdminArgs(argv: string[]): AdminCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError((err as Error).message.split(/\.\s|\n/)[0] ?? 'bad arguments');
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { kind: 'help' };
  const command = positionals.slice(0, 2).join(' ');
  if (command === '') throw new UsageError('no command given (see --help)');
  if (command !== 'dlq replay') throw new UsageError(`unknown command "${command}" (see --help)`);
  const extra = positionals[2];
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}" (see --help)`);
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
      help: { type: 'boolean', short: 'h' },
    },
  });
}
