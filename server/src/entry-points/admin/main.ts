/**
 * `npm run admin -- <command>`: operators' commands (`--help` lists them).
 * What the command reports goes to stdout, logs to stderr; a bad command
 * line is one line on stderr and exit code 2, a failed command exit code 1.
 */
import { destination, pino } from 'pino';
import { ConfigError, loadConfig } from '../../config.js';
import { parseAdminArgs, USAGE, UsageError } from './args.js';
import { replayDeadLetters } from './dlq-replay.js';

function fail(code: number, message: string): never {
  process.stderr.write(`admin: ${message}\n`);
  process.exit(code);
}

let command: ReturnType<typeof parseAdminArgs>;
try {
  command = parseAdminArgs(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) fail(2, err.message);
  throw err;
}
if (command.kind === 'help') {
  process.stdout.write(USAGE);
  process.exit(0);
}

let kafka: ReturnType<typeof loadConfig>['kafka'];
let logLevel: string;
try {
  ({ kafka, logLevel } = loadConfig());
} catch (err) {
  if (err instanceof ConfigError) fail(2, err.message.replace(/\n\s*/g, ' '));
  throw err;
}
if (kafka === undefined) fail(2, 'KAFKA_BROKERS: required by dlq replay (host:port,host:port)');
const log = pino({ name: 'tracksphere-admin', level: logLevel }, destination(2));

try {
  await replayDeadLetters(kafka, log, command, (line) => process.stdout.write(`${line}\n`));
} catch (err) {
  log.error({ err }, 'dlq replay failed');
  fail(1, `dlq replay failed: ${(err as Error).message}`);
}
process.exit(0);
