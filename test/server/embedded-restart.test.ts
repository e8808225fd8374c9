/**
 * `npm run server` (embedded PostgreSQL) after a crash, and when it cannot
 * start: a server killed with SIGKILL leaves its PostgreSQL running on the
 * data folder; the next start stops that one and starts again on the same
 * data. A start-up that fails says what is wrong and what to do, in a
 * sentence, and leaves no PostgreSQL behind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '#protocol';
import {
  makeBatch,
  makeEvent,
  postEvents,
  registerDevice,
  request,
  waitFor,
} from '../harness/client.js';
import { type ServerProcess, spawnEntryPoint } from '../harness/process.js';

const ENTRY = 'server/src/entry-points/server.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The PID of the PostgreSQL running on the data folder, from its lock file, if any. */
function postmasterPid(dataDir: string): number | null {
  const lock = join(dataDir, 'postgres', 'postmaster.pid');
  if (!existsSync(lock)) return null;
  const pid = Number(readFileSync(lock, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function apiUrl(proc: ServerProcess): string {
  const url = /"url":"(http:\/\/[^"]+)\/api\/v1"/.exec(proc.output())?.[1];
  if (url === undefined) throw new Error(`no API URL in:\n${proc.output().slice(-2000)}`);
  return url;
}

describe('npm run server after a crash, and start-up failures', () => {
  const dirs: string[] = [];
  const procs: ServerProcess[] = [];
  const pids = new Set<number>();

  async function dataFolder(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'tracksphere-restart-'));
    // As root, PostgreSQL runs as the postgres user, which must be able to reach the folder.
    await chmod(dir, 0o755);
    dirs.push(dir);
    return dir;
  }

  function spawnServer(env: Record<string, string>): ServerProcess {
    const proc = spawnEntryPoint(ENTRY, { PORT: '0', DATABASE_URL: '', KAFKA_BROKERS: '', ...env });
    procs.push(proc);
    return proc;
  }

  afterAll(async () => {
    for (const p of procs) await p.kill('SIGKILL');
    // No PostgreSQL of these tests may outlive them.
    for (const d of dirs) {
      const pid = postmasterPid(d);
      if (pid !== null) pids.add(pid);
    }
    for (const pid of pids) {
      if (isAlive(pid)) process.kill(pid, 'SIGQUIT');
    }
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('starts again on the same DATA_DIR after the server was killed with SIGKILL', async () => {
    const dataDir = await dataFolder();
    const first = spawnServer({ DATA_DIR: dataDir });
    await first.waitForOutput(/Tracksphere server ready/, 60_000);
    const base = apiUrl(first);
    const device = await registerDevice(base);
    const event = makeEvent();
    const res = await postEvents<IngestResult>(base, device.token, makeBatch([event]));
    expect(res.body).toEqual({ accepted: 1, rejected: [], receivedAt: expect.any(String) });

    // The node process only: its PostgreSQL is left running on the data folder.
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    const orphan = postmasterPid(dataDir);
    expect(orphan).not.toBeNull();
    pids.add(orphan as number);
    expect(isAlive(orphan as number)).toBe(true);

    const second = spawnServer({ DATA_DIR: dataDir });
    await second.waitForOutput(/Tracksphere server ready/, 90_000);
    expect(second.output()).not.toMatch(/undefined/);
    const base2 = apiUrl(second);
    expect((await request(`${base2}/readyz`)).status).toBe(200);
    const exported = await request(`${base2}/api/v1/me/export`, {
      headers: { authorization: `Bearer ${device.token}` },
    });
    expect(exported.status).toBe(200);
    expect(exported.text).toContain(event.id);
    // The leftover was stopped, not left beside the new one.
    expect(isAlive(orphan as number)).toBe(false);
    const current = postmasterPid(dataDir);
    expect(current).not.toBe(orphan);
    if (current !== null) pids.add(current);

    expect(await second.kill('SIGTERM')).toBe(0);
    expect(postmasterPid(dataDir)).toBeNull();
  }, 180_000);

  it("refuses a data folder another running server uses, and leaves that server's PostgreSQL alone", async () => {
    const dataDir = await dataFolder();
    const first = spawnServer({ DATA_DIR: dataDir });
    await first.waitForOutput(/Tracksphere server ready/, 60_000);
    const pid = postmasterPid(dataDir) as number;
    pids.add(pid);

    const second = spawnServer({ DATA_DIR: dataDir });
    expect(await second.exited).toBe(1);
    expect(second.output()).not.toMatch(/undefined/);
    expect(second.output()).toMatch(/Another server \(process \d+\) is using the data folder/);
    expect(isAlive(pid)).toBe(true);
    expect((await request(`${apiUrl(first)}/readyz`)).status).toBe(200);
    expect(await first.kill('SIGTERM')).toBe(0);
  }, 120_000);

  it('says which port is in use and what to do, and stops its PostgreSQL', async () => {
    const dataDir = await dataFolder();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const proc = spawnServer({ DATA_DIR: dataDir, PORT: String(port) });
      expect(await proc.exited).toBe(1);
      const out = proc.output();
      expect(out).not.toMatch(/undefined/);
      expect(out).toMatch(new RegExp(`port ${port} .*in use.*PORT`, 'i'));
      // PostgreSQL was started before the port was tried: it is stopped again.
      await waitFor(async () => postmasterPid(dataDir) === null, 'PostgreSQL to stop', 10_000);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 120_000);

  it('says DATA_DIR cannot be used, and what to do', async () => {
    const parent = await dataFolder();
    const file = join(parent, 'not-a-folder');
    await writeFile(file, 'a file where DATA_DIR should be a folder\n');
    const proc = spawnServer({ DATA_DIR: join(file, 'data') });
    expect(await proc.exited).toBe(1);
    const out = proc.output();
    expect(out).not.toMatch(/undefined/);
    expect(out).toMatch(/DATA_DIR/);
    expect(out).toContain(join(file, 'data'));
  }, 60_000);
});
