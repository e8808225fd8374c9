/**
 * Throw-away PostgreSQL 15 clusters for integration tests.
 *
 * Each cluster lives in its own folder under os.tmpdir(): `<root>/data` holds the data files and
 * `<root>` itself holds the unix socket. The server listens on 127.0.0.1 on a random free port.
 *
 * initdb refuses to run as root, so when the test runner is root, initdb and the server run as the
 * `postgres` OS user via `setpriv`. Every server is started with `setpriv --pdeathsig KILL`: if the
 * Node process that spawned it dies (even by SIGKILL), the kernel kills the postmaster, whose
 * backends then exit on their own, so a killed test runner leaves no orphan server behind. (The
 * temp folder is then left behind, though; only destroy() removes it.)
 *
 * IMPORTANT for callers that hold a `pg.Pool` (or Client) on a cluster they stop or destroy:
 * attach `pool.on('error', ...)` BEFORE stopping the server. Stopping terminates idle pooled
 * connections; pg reports that as an 'error' event on the pool, and an EventEmitter 'error' with
 * no listener is thrown, which crashes the Node process (the whole vitest worker).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

const PG_BIN = '/usr/lib/postgresql/15/bin';
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 30_000;
const STDERR_KEEP_CHARS = 16_000;
/** Linux limit for sun_path is 108 bytes including the NUL; keep a margin for ".s.PGSQL.<port>". */
const MAX_SOCKET_DIR_LENGTH = 107 - '/.s.PGSQL.65535'.length;

export interface PgCluster {
  port: number;
  host: string;
  dataDir: string;
  /** postgres://postgres@127.0.0.1:<port>/<database> (database defaults to 'postgres'). */
  url(database?: string): string;
  /** Creates a uniquely named database and returns its connection URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server ('fast' = SIGINT, 'immediate' = SIGQUIT); the data is kept. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts the server again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops the server (if running) and removes the whole temp folder. */
  destroy(): Promise<void>;
}

export interface StartPgClusterOptions {
  /** Extra server settings, passed as `-c key=value` (override the harness defaults). */
  settings?: Record<string, string>;
}

/** How to run a PostgreSQL binary: directly, or (when we are root) through setpriv as `postgres`. */
interface RunAs {
  /** Wraps a command line; `pdeathsig` adds `--pdeathsig KILL`. */
  wrap(command: string, args: readonly string[], pdeathsig: boolean): [string, string[]];
  /** uid/gid that must own the temp folder, or undefined when we run as ourselves. */
  owner: { uid: number; gid: number } | undefined;
}

async function resolveRunAs(): Promise<RunAs> {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    return {
      owner: undefined,
      wrap: (command, args, pdeathsig) =>
        pdeathsig ? ['setpriv', ['--pdeathsig', 'KILL', command, ...args]] : [command, [...args]],
    };
  }
  let uid: number;
  let gid: number;
  try {
    uid = Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim());
    gid = Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim());
  } catch {
    throw new Error(
      'PostgreSQL test harness: running as root, but there is no `postgres` OS user. initdb and ' +
        'the server refuse to run as root, so the harness needs that user (check with ' +
        '`id postgres`; create it with e.g. `useradd --system postgres`).',
    );
  }
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new Error('PostgreSQL test harness: could not read the uid/gid of the `postgres` user.');
  }
  return {
    owner: { uid, gid },
    wrap: (command, args, pdeathsig) => [
      'setpriv',
      [
        '--reuid=postgres',
        '--regid=postgres',
        '--init-groups',
        ...(pdeathsig ? ['--pdeathsig', 'KILL'] : []),
        command,
        ...args,
      ],
    ],
  };
}

/** The environment for PostgreSQL binaries: no PG* variables leaking in from the caller. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG')) env[key] = value;
  }
  env.LC_ALL = 'C';
  return env;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Builds a valid, unique (lower-case, <= 63 bytes) database name from a prefix. */
export function uniqueDatabaseName(prefix = 'test'): string {
  let clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!/^[a-z_]/.test(clean)) clean = `db_${clean}`;
  const suffix = `${process.pid.toString(36)}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  return `${clean.slice(0, 63 - suffix.length - 1)}_${suffix}`;
}

/** Replaces the database in a postgres:// URL. */
export function withDatabase(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/**
 * Creates a uniquely named database on the server `baseUrl` points at (using a short-lived
 * client) and returns the connection URL of the new database.
 */
export async function createDatabaseAt(baseUrl: string, prefix?: string): Promise<string> {
  const name = uniqueDatabaseName(prefix);
  const client = new pg.Client({ connectionString: baseUrl });
  // A dying connection emits 'error' on the client; without a listener that would crash Node.
  client.on('error', () => {});
  await client.connect();
  try {
    // The name is validated by uniqueDatabaseName ([a-z0-9_] only), so quoting is enough.
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return withDatabase(baseUrl, name);
}

class Cluster implements PgCluster {
  readonly host = HOST;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderr = '';
  private destroyed = false;

  constructor(
    public port: number,
    private readonly root: string,
    readonly dataDir: string,
    private readonly runAs: RunAs,
    private readonly settings: Record<string, string>,
  ) {}

  url(database = 'postgres'): string {
    return `postgres://postgres@${HOST}:${this.port}/${encodeURIComponent(database)}`;
  }

  createDatabase(prefix?: string): Promise<string> {
    return createDatabaseAt(this.url(), prefix);
  }

  async start(): Promise<void> {
    if (this.destroyed) throw new Error('PostgreSQL cluster has been destroyed');
    if (this.child) return;
    const args = ['-D', this.dataDir, '-p', String(this.port), '-k', this.root];
    const settings = { listen_addresses: HOST, ...this.settings };
    for (const [key, value] of Object.entries(settings)) args.push('-c', `${key}=${value}`);
    const [command, wrappedArgs] = this.runAs.wrap(join(PG_BIN, 'postgres'), args, true);

    this.stderr = '';
    const child = spawn(command, wrappedArgs, {
      cwd: this.root,
      env: childEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    let exitInfo: string | undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exitInfo = signal ? `signal ${signal}` : `code ${code}`;
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_KEEP_CHARS);
    });
    // The server must not keep the Node process alive by itself: if a test forgets destroy(),
    // the process can still exit, and pdeathsig then takes the server down with it.
    child.unref();
    (child.stderr as { unref?: () => void } | null)?.unref?.();

    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastError = 'no attempt made';
    for (;;) {
      if (spawnError) {
        throw new Error(`could not spawn ${command}: ${spawnError.message}`);
      }
      if (exitInfo !== undefined) {
        throw new Error(
          `PostgreSQL server exited during startup (${exitInfo}) on port ${this.port}.\n` +
            `--- server stderr ---\n${this.stderr}`,
        );
      }
      const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 1000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.end();
        return;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        await client.end().catch(() => {});
      }
      if (Date.now() > deadline) {
        await this.stop('immediate').catch(() => {});
        throw new Error(
          `PostgreSQL server did not accept connections on ${HOST}:${this.port} within ` +
            `${READY_TIMEOUT_MS} ms (last error: ${lastError}).\n--- server stderr ---\n${this.stderr}`,
        );
      }
      await sleep(20);
    }
  }

  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    const child = this.child;
    if (!child) return;
    // SIGINT = "fast" shutdown (roll back, checkpoint); SIGQUIT = "immediate" (no checkpoint,
    // crash recovery on next start). The postmaster waits for its backends before exiting, so
    // once it has exited the data folder is free to be started again.
    child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    let timer: NodeJS.Timeout | undefined;
    // A ref'd timer keeps Node alive while we wait (the child itself is unref'd).
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS);
    });
    const late = await Promise.race([this.exited.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      child.kill('SIGKILL');
      await this.exited;
    }
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    await this.stop('immediate');
    this.destroyed = true;
    await rm(this.root, { recursive: true, force: true });
  }
}

/**
 * Creates a fresh cluster (initdb) in a new folder under os.tmpdir() and starts it on a random
 * free 127.0.0.1 port. Call destroy() when done.
 */
export async function startPgCluster(opts: StartPgClusterOptions = {}): Promise<PgCluster> {
  const runAs = await resolveRunAs();
  const root = await mkdtemp(join(tmpdir(), 'pg-harness-'));
  try {
    if (root.length > MAX_SOCKET_DIR_LENGTH) {
      throw new Error(
        `temp folder path ${root} is too long for a unix socket path; set TMPDIR to a short path`,
      );
    }
    if (runAs.owner) await chown(root, runAs.owner.uid, runAs.owner.gid);
    const dataDir = join(root, 'data');
    const initdbArgs = [
      '-D',
      dataDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ];
    const [command, args] = runAs.wrap(join(PG_BIN, 'initdb'), initdbArgs, true);
    try {
      await execFileAsync(command, args, { cwd: root, env: childEnv() });
    } catch (error) {
      const e = error as { message?: string; stdout?: string; stderr?: string };
      throw new Error(
        `initdb failed: ${e.message ?? String(error)}\n--- stdout ---\n${e.stdout ?? ''}\n` +
          `--- stderr ---\n${e.stderr ?? ''}`,
      );
    }
    const cluster = new Cluster(await freePort(), root, dataDir, runAs, { ...opts.settings });
    // The free port is only free when we probe it; retry on a new one if someone grabbed it.
    for (let attempt = 1; ; attempt++) {
      try {
        await cluster.start();
        return cluster;
      } catch (error) {
        const message = error instanceof Error ? error.message : '';
        if (attempt >= 3 || !/could not bind|address already in use/i.test(message)) throw error;
        cluster.port = await freePort();
      }
    }
  } catch (error) {
    await rm(root, { recursive: true, force: true }).catch(() => {});
    throw error;
  }
}
