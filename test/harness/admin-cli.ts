/** `npm run admin -- <args>` as the operator runs it: a child process, its exit code and output. */
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface AdminRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runAdmin(args: string[], env: Record<string, string> = {}): Promise<AdminRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'server/src/entry-points/admin/main.ts', ...args],
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, timeout: 90_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}
