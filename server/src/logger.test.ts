import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LOG_FLUSH_MS } from './logger.js';

const run = promisify(execFile);
const logger = new URL('./logger.ts', import.meta.url).pathname;

/** A Node process that logs through createLogger: the script gets `log`. */
function script(body: string): string[] {
  return [
    '--import',
    'tsx',
    '--input-type=module',
    '-e',
    `const { createLogger } = await import(${JSON.stringify(logger)});
     const log = createLogger('info', 'logger-test');
     ${body}`,
  ];
}

describe('createLogger: buffered stdout', () => {
  it('writes every line that is left when the process exits', async () => {
    const { stdout } = await run(
      process.execPath,
      script(`for (let i = 0; i < 3; i++) log.info({ i }, 'line'); process.exit(0);`),
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number; name: string });
    expect(lines.map((l) => l.i)).toEqual([0, 1, 2]);
    expect(lines[0]?.name).toBe('logger-test');
  });

  it('writes a line of a process that stays up within the flush interval', async () => {
    const child = spawn(
      process.execPath,
      script(`log.info('ready'); setTimeout(() => {}, 30_000);`),
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const started = performance.now();
      const first = await new Promise<string>((resolve) => {
        child.stdout.once('data', (chunk: Buffer) => resolve(String(chunk)));
      });
      expect(JSON.parse(first).msg).toBe('ready');
      // The process's start-up is in this too: only a line that never came would be a failure.
      expect(performance.now() - started).toBeLessThan(20_000 + LOG_FLUSH_MS);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
