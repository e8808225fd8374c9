import { destination, type Logger, pino } from 'pino';

export type { Logger };

/**
 * Lines are gathered up to LOG_BUFFER_BYTES before a write to stdout, and written at the latest
 * LOG_FLUSH_MS after they were logged: under load one write carries several request lines
 * instead of one each (docs/performance.md, "Small requests"). pino writes what is left when
 * the process exits, by process.exit or an uncaught error; a SIGKILL loses at most that much.
 */
export const LOG_BUFFER_BYTES = 4096;
export const LOG_FLUSH_MS = 250;

/** Structured JSON logs on stdout; one logger per process, children per component. */
export function createLogger(level: string, name = 'tracksphere'): Logger {
  const stdout = destination({
    dest: 1,
    sync: false,
    minLength: LOG_BUFFER_BYTES,
    periodicFlush: LOG_FLUSH_MS,
  });
  return pino({ name, level, base: { pid: process.pid } }, stdout);
}
