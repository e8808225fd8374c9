import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { describeStartupFailure, type StartupStep } from './startup-failure.js';

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

export interface StartUp {
  /**
   * Runs one start-up step. If it fails, prints one sentence saying what is
   * wrong and what to do, undoes the steps before it (stops the embedded
   * PostgreSQL, ...) and exits 1.
   */
  step<T>(name: StartupStep, run: () => Promise<T>, undo?: (value: T) => Promise<void>): Promise<T>;
}

export function startUp(config: Config, log: Logger): StartUp {
  const undo: Array<() => Promise<void>> = [];
  return {
    async step(name, run, undoStep) {
      try {
        const value = await run();
        if (undoStep !== undefined) undo.unshift(() => undoStep(value));
        return value;
      } catch (err) {
        const sentence = describeStartupFailure(err, name, config);
        log.fatal({ err: err instanceof Error ? err : undefined, step: name }, sentence);
        process.stderr.write(`Tracksphere could not start. ${sentence}\n`);
        for (const u of undo) {
          await u().catch((e: unknown) => log.warn({ err: e }, 'undoing a start-up step failed'));
        }
        process.exit(1);
      }
    },
  };
}
