/** Server entry points as real child processes, for tests that kill and restart them. */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServerProcess {
  proc: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  /** Resolves when a line of output matches. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<number | string>;
}

export function spawnEntryPoint(entry: string, env: Record<string, string>): ServerProcess {
  // One process (not the tsx CLI, which forks a child): a SIGKILL really kills the server.
  return spawnNode(entry, ['--import', 'tsx', join(ROOT, entry)], env);
}

/** `node <args>` (a compiled bundle, say), watched as spawnEntryPoint's; `entry` names it in errors. */
export function spawnNode(
  entry: string,
  args: string[],
  env: Record<string, string>,
): ServerProcess {
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const onData = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    if (out.length > 200_000) out = out.slice(-100_000);
    for (const w of [...waiters]) {
      if (w.pattern.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<number | string>((res) => {
    proc.once('exit', (code, signal) => res(code ?? signal ?? 'unknown'));
  });
  return {
    proc,
    output: () => out,
    exited,
    waitForOutput(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
      if (pattern.test(out)) return Promise.resolve();
      return new Promise((res, rej) => {
        const timer = setTimeout(
          () =>
            rej(
              new Error(
                `timed out waiting for ${pattern} in output of ${entry}:\n${out.slice(-4000)}`,
              ),
            ),
          timeoutMs,
        );
        void exited.then((code) =>
          rej(
            new Error(`${entry} exited (${code}) before printing ${pattern}:\n${out.slice(-4000)}`),
          ),
        );
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            res();
          },
        });
      });
    },
    async kill(signal: NodeJS.Signals): Promise<number | string> {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}
