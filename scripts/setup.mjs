// npm's `prestart` and `pretest` hooks: provision what `npm start` / `npm test` need, so a fresh
// clone needs no other command.
//
//   node scripts/setup.mjs start   the npm dependencies (`npm ci`) when node_modules is missing or
//                                  does not match package-lock.json
//   node scripts/setup.mjs test    the system packages the test suite uses (Debian/Ubuntu, apt;
//                                  installed when root or with password-less sudo, otherwise one
//                                  message naming the command to run), then the npm dependencies
//
// Plain Node ESM with no dependencies: on a fresh clone nothing (not even tsx) is installed yet.
// The decisions are pure functions in setup-plan.mjs (tested in setup.test.ts); this file does the I/O.
//
// Environment:
//   TRACKSPHERE_SKIP_SYSTEM_PACKAGES=1     skip the system-package step (you provide them yourself)
//   TRACKSPHERE_SETUP_PRETEND_MISSING=a,b  treat these packages as not installed (to try the set-up)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import {
  isUbuntu,
  NPM_CI,
  npmDependenciesState,
  parseAptCandidates,
  parseDpkgInstalled,
  planAfterUpdate,
  planSystemPackages,
  pretendMissing,
  SYSTEM_PACKAGES,
} from './setup-plan.mjs';

const HEARTBEAT_MS = 20_000;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------------------------------------
// I/O

/** @param {string} line */
function say(line) {
  process.stdout.write(`[setup] ${line}\n`);
}

/** @param {string} message */
function stop(message) {
  process.stderr.write(`\n${message}\n\n`);
  process.exit(1);
}

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('node:child_process').SpawnSyncOptions} [options]
 */
function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (result.error) stop(`${cmd} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) {
    stop(`${cmd} ${args.join(' ')} failed (exit ${result.status ?? result.signal}).`);
  }
}

/** @param {string} path */
function readOrNull(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** @param {string} cmd */
function hasCommand(cmd) {
  const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
  return r.error === undefined;
}

function systemPackages() {
  if (process.env.TRACKSPHERE_SKIP_SYSTEM_PACKAGES === '1') {
    say('system packages: not checked (TRACKSPHERE_SKIP_SYSTEM_PACKAGES=1)');
    return;
  }
  const names = SYSTEM_PACKAGES.map((p) => p.name);
  const apt = hasCommand('dpkg-query') && hasCommand('apt-get');
  let missing = names;
  if (apt) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format, not a template
    const query = spawnSync('dpkg-query', ['-W', '-f=${Package}\t${Status}\n', ...names], {
      encoding: 'utf8',
    });
    const installed = parseDpkgInstalled(query.stdout ?? '');
    const pretend = pretendMissing(process.env.TRACKSPHERE_SETUP_PRETEND_MISSING);
    missing = names.filter((n) => !installed.has(n) || pretend.has(n));
  }
  const root = process.getuid?.() === 0;
  const sudo = root ? null : spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 5000 });
  const plan = planSystemPackages({
    missing,
    apt,
    privilege: root ? 'root' : sudo?.status === 0 ? 'sudo' : 'none',
    sudoInstalled: sudo?.error === undefined,
    ubuntu: isUbuntu(readOrNull('/etc/os-release') ?? ''),
  });
  if (plan.action === 'stop') stop(plan.message);
  say(plan.message);
  if (plan.action === 'proceed') return;

  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  /** @param {string[]} args */
  const aptGet = (args) =>
    plan.sudo
      ? run('sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args])
      : run('apt-get', args, { env });
  say('apt-get update…');
  aptGet(['update', '-q']);
  const policy = spawnSync('apt-cache', ['policy', ...missing], { encoding: 'utf8' });
  const next = planAfterUpdate({
    missing,
    available: parseAptCandidates(policy.stdout ?? ''),
  });
  if (next.install.length > 0) {
    say(`apt-get install ${next.install.join(' ')}…`);
    aptGet(['install', '-y', '-q', '--no-install-recommends', ...next.install]);
  }
  if (next.stop !== null) stop(next.stop);
  say('system packages: installed');
}

async function npmDependencies() {
  const state = npmDependenciesState({
    lock: readOrNull(join(ROOT, 'package-lock.json')),
    installed: readOrNull(join(ROOT, 'node_modules/.package-lock.json')),
    nodeModules: existsSync(join(ROOT, 'node_modules')),
  });
  if (state.upToDate) {
    say('npm dependencies: up to date');
    return;
  }
  say(`installing npm dependencies (${state.reason}): npm ${NPM_CI.join(' ')}…`);
  const started = Date.now();
  // Under npm, npm_execpath is the npm that runs us; otherwise the one on PATH.
  const npmCli = process.env.npm_execpath;
  const [cmd, args] = npmCli?.endsWith('.js')
    ? [process.execPath, [npmCli, ...NPM_CI]]
    : ['npm', NPM_CI];
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' },
    shell: process.platform === 'win32',
    stdio: 'inherit',
  });
  // npm ci says nothing until it is done (a minute or more on a fresh clone).
  const seconds = () => Math.round((Date.now() - started) / 1000);
  const heartbeat = setInterval(
    () => say(`still installing npm dependencies (${seconds()} s)…`),
    HEARTBEAT_MS,
  );
  /** @type {number | null} */
  const code = await new Promise((res) => {
    child.once('error', (err) => {
      say(`${cmd}: ${err.message}`);
      res(null);
    });
    child.once('exit', (status) => res(status));
  });
  clearInterval(heartbeat);
  if (code !== 0) stop(`npm ${NPM_CI.join(' ')} failed (exit ${code}).`);
  say(`npm dependencies: installed in ${seconds()} s`);
}

/** @param {string | undefined} mode */
async function main(mode) {
  if (mode === 'test') {
    systemPackages();
    await npmDependencies();
  } else if (mode === 'start') {
    await npmDependencies();
  } else {
    stop('usage: node scripts/setup.mjs start|test');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main(process.argv[2]);
}
