/**
 * The server image cannot be built here (no Docker engine): these tests check the Dockerfile's
 * structure and that everything it copies and runs exists, and run its healthcheck script.
 * compiled-server.test.ts builds and runs the bundles the image runs.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { SERVER_BUNDLES } from '../../scripts/build-server.js';
import { execForm, parseCopy, parseStages, type Stage } from './dockerfile.js';
import { repoPath } from './repo-root.js';

const execFileAsync = promisify(execFile);

const stages = parseStages(readFileSync(repoPath('Dockerfile'), 'utf8'));
const runtime = stages.at(-1) as Stage;
const scripts = (
  JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;
const args = (stage: Stage, keyword: string): string[] =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** .dockerignore here is a whitelist: `*`, then `!path` for what the image may see. */
const whitelist = readFileSync(repoPath('.dockerignore'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('!'))
  .map((line) => line.slice(1).replace(/\/$/, ''));

describe('Dockerfile', () => {
  it('installs production dependencies in a stage of their own', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const deps = stages.find((s) => args(s, 'RUN').some((r) => r.includes('npm ci --omit=dev')));
    expect(deps?.name).toBeDefined();
    expect(deps).not.toBe(runtime);
    const fromDeps = args(runtime, 'COPY')
      .map((a) => parseCopy({ keyword: 'COPY', args: a }))
      .filter((c) => c.from === deps?.name);
    expect(fromDeps.map((c) => c.sources)).toEqual([['/app/node_modules']]);
    // Every stage starts from one pinned Node image.
    for (const stage of stages) expect(stage.base).toMatch(/^\$\{NODE_IMAGE\}$/);
    expect(readFileSync(repoPath('Dockerfile'), 'utf8')).toMatch(
      /^ARG NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim$/m,
    );
  });

  it('marks the image as a deployment: NODE_ENV=production', () => {
    // The server then requires CORS_ORIGINS and refuses placeholder secrets (config.ts).
    expect(args(runtime, 'ENV').join(' ')).toMatch(/(^|\s)NODE_ENV=production(\s|$)/);
  });

  it('runs as a user other than root in the final stage', () => {
    const user = args(runtime, 'USER').at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const copies = stages.flatMap((stage) =>
      args(stage, 'COPY').map((a) => parseCopy({ keyword: 'COPY', args: a })),
    );
    const fromContext = copies.filter((c) => c.from === undefined).flatMap((c) => c.sources);
    expect(fromContext.length).toBeGreaterThan(0);
    for (const source of fromContext) {
      expect(existsSync(repoPath(source)), source).toBe(true);
      const allowed = whitelist.some((w) => source === w || source.startsWith(`${w}/`));
      expect(allowed, `${source} is not in the .dockerignore whitelist`).toBe(true);
    }
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignore = readFileSync(repoPath('.dockerignore'), 'utf8');
    expect(ignore).toMatch(/^\*$/m);
    for (const path of whitelist) {
      expect(path).not.toMatch(/^(\.env|nginx|node_modules|\.data)/);
    }
  });

  it('builds the server in a stage of its own and runs only the bundles, no TypeScript', () => {
    const build = stages.find((s) => args(s, 'RUN').includes('npm run build:server'));
    expect(build?.name).toBeDefined();
    expect(build).not.toBe(runtime);
    // The build stage copies the sources of every bundle and the build script.
    const buildSources = args(build as Stage, 'COPY').flatMap(
      (a) => parseCopy({ keyword: 'COPY', args: a }).sources,
    );
    for (const source of [...Object.values(SERVER_BUNDLES), 'scripts/build-server.ts']) {
      const copied = buildSources.some((s) => source === s || source.startsWith(`${s}/`));
      expect(copied, `${source} is not copied into the build stage`).toBe(true);
    }
    const copies = args(runtime, 'COPY').map((a) => parseCopy({ keyword: 'COPY', args: a }));
    expect(copies.filter((c) => c.from === build?.name)).toEqual([
      { from: build?.name, sources: ['/app/dist/server'], destination: './dist/server' },
    ]);
    const fromContext = copies.filter((c) => c.from === undefined).flatMap((c) => c.sources);
    expect(fromContext.sort()).toEqual([
      'deploy/healthcheck.mjs',
      'package-lock.json',
      'package.json',
    ]);
  });

  it('exposes the API and consumer ports, checks health, and starts the compiled API', () => {
    expect(args(runtime, 'EXPOSE').join(' ').split(/\s+/).sort()).toEqual(['8080', '8081']);
    const healthcheck = args(runtime, 'HEALTHCHECK').at(-1) ?? '';
    expect(execForm(healthcheck)).toEqual(['node', 'deploy/healthcheck.mjs']);
    const cmd = execForm(args(runtime, 'CMD').at(-1) ?? '');
    // What `npm run start:api` runs, on a bundle scripts/build-server.ts writes.
    expect(cmd.join(' ')).toBe(scripts['start:api']);
    expect(cmd.slice(0, 2)).toEqual(['node', '--enable-source-maps']);
    expect(Object.keys(SERVER_BUNDLES).map((b) => `dist/server/${b}`)).toContain(cmd.at(-1));
  });
});

describe('deploy/healthcheck.mjs', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(stop));
  });

  async function stop(server: Server): Promise<void> {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  async function serve(status: number): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/healthz' ? status : 404).end();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as AddressInfo).port };
  }

  async function exitCode(port: number): Promise<number> {
    try {
      await execFileAsync(process.execPath, [repoPath('deploy/healthcheck.mjs'), String(port)]);
      return 0;
    } catch (error) {
      return (error as { code?: number }).code ?? -1;
    }
  }

  it('exits 0 when /healthz answers 200, 1 when it fails or nothing listens', async () => {
    expect(await exitCode((await serve(200)).port)).toBe(0);
    const failing = await serve(503);
    expect(await exitCode(failing.port)).toBe(1);
    await stop(failing.server);
    expect(await exitCode(failing.port)).toBe(1);
  });
});
