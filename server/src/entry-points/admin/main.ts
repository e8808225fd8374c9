/**
 * `npm run admin -- <command>`: operators' commands (`--help` lists them).
 * What the command reports goes to stdout, logs to stderr; a bad command
 * line is one line on stderr and exit code 2, a failed command one line and
 * exit code 1.
 */
import { destination, pino } from 'pino';
import { ConfigError, loadConfig } from '../../config.js';
import { createPool } from '../../data-access/pool.js';
import { AdminError } from '../../domain/study-admin.js';
import { parseAdminArgs, UsageError } from './args.js';
import { replayDeadLetters } from './dlq-replay.js';
import { runStudyCommand } from './study-run.js';

function fail(code: number, message: string): never {
  process.stderr.write(`admin: ${message}\n`);
  process.exit(code);
}

const now = new Date();
let command: ReturnType<typeof parseAdminArgs>;
try {
  command = parseAdminArgs(process.argv.slice(2), now);
} catch (err) {
  if (err instanceof UsageError) fail(2, err.message);
  throw err;
}
if (command.kind === 'help') {
  process.stdout.write(command.text);
  process.exit(0);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) fail(2, err.message.replace(/\n\s*/g, ' '));
  throw err;
}
const log = pino({ name: 'tracksphere-admin', level: config.logLevel }, destination(2));
const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

if (command.kind === 'dlq-replay') {
  if (config.kafka === undefined) {
    fail(2, 'KAFKA_BROKERS: required by dlq replay (host:port,host:port)');
  }
  try {
    await replayDeadLetters(config.kafka, log, command, print);
  } catch (err) {
    log.error({ err }, 'dlq replay failed');
    fail(1, `dlq replay failed: ${(err as Error).message}`);
  }
  process.exit(0);
}

if (config.databaseUrl === undefined) {
  fail(2, 'DATABASE_URL: required by codes, cohorts and devices (postgres://...)');
}
const pool = createPool(config.databaseUrl, 2, log);
let code = 0;
try {
  await runStudyCommand(pool, command, now, print);
} catch (err) {
  code = 1;
  if (err instanceof AdminError) process.stderr.write(`admin: ${err.message}\n`);
  else {
    log.error({ err }, 'command failed');
    process.stderr.write(`admin: failed: ${(err as Error).message.split('\n')[0]}\n`);
  }
} finally {
  await pool.end();
}
process.exit(code);
