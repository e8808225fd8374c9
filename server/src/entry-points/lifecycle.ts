import type { Logger } from '../logger.js';

/**
 * Runs the given shutdown steps in order on SIGTERM/SIGINT (stop taking work,
 * drain, disconnect, end the pool), then exits.
 */
export function onShutdown(log: Logger, steps: Array<[string, () => Promise<void>]>): void {
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    let code = 0;
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        code = 1;
        log.error({ err, step: name }, 'shutdown step failed');
      }
    }
    log.info('stopped');
    process.exit(code);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
