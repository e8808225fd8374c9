/**
 * Debian's nginx for tests: version, `nginx -t`, and a running instance on a rendered config
 * (nginx-config.ts).
 *
 * A running instance is one process (`master_process off`, in the foreground) started through
 * `setpriv --pdeathsig KILL`: if the test runner dies, even by SIGKILL, the kernel kills nginx
 * too, so no server outlives the run. (With a master process its workers would survive it.)
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { promisify } from 'node:util';
import type { RenderedNginx } from './nginx-config.js';

const execFileAsync = promisify(execFile);

/** Debian installs nginx in /usr/sbin, which is not on every user's PATH. */
export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
const START_TIMEOUT_MS = 5_000;
const STOP_TIMEOUT_MS = 3_000;

/** "1.22.1" from `nginx -v` (which prints to stderr). */
export async function nginxVersion(): Promise<string> {
  const { stdout, stderr } = await execFileAsync(NGINX_BIN, ['-v']);
  const match = /nginx\/(\d+\.\d+\.\d+)/.exec(`${stdout}${stderr}`);
  if (match?.[1] === undefined) throw new Error(`cannot read the version of ${NGINX_BIN}`);
  return match[1];
}

function baseArgs(config: RenderedNginx): string[] {
  return ['-p', config.dir, '-c', config.mainConf, '-e', config.errorLog];
}

/** Runs `nginx -t`; resolves with its report, rejects with it when the config is invalid. */
export async function testNginxConfig(config: RenderedNginx): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(NGINX_BIN, [...baseArgs(config), '-t']);
    return `${stdout}${stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`nginx -t failed:\n${e.stderr ?? ''}${e.stdout ?? ''}${e.message}`);
  }
}

/** A free TCP port on 127.0.0.1 (closed again at once; nginx takes it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RunningNginx {
  /** The nginx process (one process: no master, no workers). */
  pid: number;
  /** Stops nginx (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
  errorLog(): Promise<string>;
}

export interface StartNginxOptions {
  /**
   * Run as production does, a master process with workers, for tests of `nginx -s reload`
   * (one process reloading mangles its listeners: HTTPS came back as plain HTTP). The workers
   * run as nginx's default user when the tests run as root: what they serve must be readable
   * to it. pdeathsig covers the master only; its workers exit when it stops.
   */
  masterProcess?: boolean;
}

/** Starts nginx on a rendered config and waits until every given port accepts connections. */
export async function startNginx(
  config: RenderedNginx,
  ports: number[],
  opts: StartNginxOptions = {},
): Promise<RunningNginx> {
  const proc: ChildProcess = spawn(
    'setpriv',
    [
      '--pdeathsig',
      'KILL',
      NGINX_BIN,
      ...baseArgs(config),
      '-g',
      opts.masterProcess === true ? 'daemon off;' : 'daemon off; master_process off;',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const errorLog = (): Promise<string> => readFile(config.errorLog, 'utf8').catch(() => '');

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`nginx exited at start:\n${stderr}\n${await errorLog()}`);
    }
    const ready = await Promise.all(ports.map(accepts));
    if (ready.every(Boolean)) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`nginx did not listen on ${ports.join(', ')}:\n${await errorLog()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }

  return {
    // setpriv execs nginx, so the child's pid is nginx's (the master's, with a master).
    pid: proc.pid as number,
    async stop(): Promise<void> {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
    errorLog,
  };
}
