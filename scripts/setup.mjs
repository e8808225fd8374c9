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
// The decisions are pure functions (exported, tested in scripts/setup.test.ts); main() does the I/O.
//
// Environment:
//   TRACKSPHERE_SKIP_SYSTEM_PACKAGES=1     skip the system-package step (you provide them yourself)
//   TRACKSPHERE_SETUP_PRETEND_MISSING=a,b  treat these packages as not installed (to try the set-up)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages the test suite uses (test/harness/*: fixed paths under /usr). */
export const SYSTEM_PACKAGES = [
  {
    name: 'postgresql-15',
    why: 'PostgreSQL 15 server for the test harness (/usr/lib/postgresql/15/bin)',
  },
  { name: 'librdkafka-dev', why: "librdkafka's mock Kafka cluster and its headers" },
  { name: 'gcc', why: 'builds the mock-cluster launcher (test/harness/kafka-mock.c)' },
  { name: 'pkg-config', why: 'finds librdkafka for that build' },
  { name: 'nginx', why: 'the reverse proxy in the deployment tests' },
  { name: 'openssl', why: 'certificates for that proxy' },
  { name: 'chromium', why: 'real browser for the extension tests (/usr/bin/chromium)' },
  { name: 'firefox-esr', why: 'real browser for the extension tests (/usr/bin/firefox-esr)' },
];

/** Where to get a package that a release's own archive lacks (Ubuntu; Debian after bookworm). */
export const EXTRA_SOURCES = {
  'postgresql-15':
    "PostgreSQL's apt repository: sudo apt-get install -y postgresql-common && sudo /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y",
  chromium:
    "a .deb at /usr/bin/chromium (Ubuntu's chromium is a snap the tests cannot use): sudo add-apt-repository -y ppa:xtradeb/apps",
  'firefox-esr': 'the Mozilla team PPA: sudo add-apt-repository -y ppa:mozillateam/ppa',
};

export const NPM_CI = ['ci', '--no-audit', '--no-fund', '--include=dev'];
const HEARTBEAT_MS = 20_000;

// ---------------------------------------------------------------------------------------------
// npm dependencies

/**
 * Whether node_modules holds what package-lock.json asks for. `installed` is the text of
 * node_modules/.package-lock.json, which npm writes after every install; its entries must match
 * the lockfile's, and the lockfile's entries it lacks must be optional (other platforms' builds).
 * @param {{ lock: string | null, installed: string | null, nodeModules: boolean }} state
 * @returns {{ upToDate: boolean, reason: string }}
 */
export function npmDependenciesState({ lock, installed, nodeModules }) {
  if (!nodeModules) return { upToDate: false, reason: 'node_modules is missing' };
  if (lock === null) return { upToDate: false, reason: 'package-lock.json is missing' };
  if (installed === null) {
    return { upToDate: false, reason: 'node_modules has no record of a finished install' };
  }
  let wanted;
  let have;
  try {
    wanted = JSON.parse(lock).packages ?? {};
    have = JSON.parse(installed).packages ?? {};
  } catch {
    return { upToDate: false, reason: 'node_modules/.package-lock.json is unreadable' };
  }
  for (const [path, entry] of Object.entries(have)) {
    const want = wanted[path];
    if (want === undefined) {
      return { upToDate: false, reason: `${path} is not in package-lock.json` };
    }
    for (const field of ['version', 'resolved', 'integrity', 'link']) {
      if (entry[field] !== want[field]) {
        return {
          upToDate: false,
          reason: `${path} is ${entry.version ?? '?'}, package-lock.json wants ${want.version ?? '?'}`,
        };
      }
    }
  }
  for (const [path, want] of Object.entries(wanted)) {
    if (path === '' || path in have || want.optional || want.devOptional) continue;
    return { upToDate: false, reason: `${path} is not installed` };
  }
  return { upToDate: true, reason: 'node_modules matches package-lock.json' };
}

// ---------------------------------------------------------------------------------------------
// System packages

/**
 * Names that dpkg reports as installed, from
 * `dpkg-query -W -f='${Package}\t${Status}\n' <names>`.
 * @param {string} output
 * @returns {Set<string>}
 */
export function parseDpkgInstalled(output) {
  const installed = new Set();
  for (const line of output.split('\n')) {
    const [name, status] = line.split('\t');
    if (name && status?.trim() === 'install ok installed') installed.add(name.split(':')[0]);
  }
  return installed;
}

/**
 * Names apt could install (a candidate version), from `apt-cache policy <names>`.
 * @param {string} output
 * @returns {Set<string>}
 */
export function parseAptCandidates(output) {
  const available = new Set();
  let current = null;
  for (const line of output.split('\n')) {
    const header = /^(\S+?)(?::[a-z0-9]+)?:$/.exec(line);
    if (header) {
      current = header[1];
      continue;
    }
    const candidate = /^\s+Candidate:\s*(\S+)/.exec(line);
    if (candidate && current !== null && candidate[1] !== '(none)') available.add(current);
  }
  return available;
}

/**
 * Whether /etc/os-release describes Ubuntu or a derivative.
 * @param {string} osRelease
 */
export function isUbuntu(osRelease) {
  return /^(ID|ID_LIKE)="?[^"\n]*\bubuntu\b/m.test(osRelease);
}

/** @param {string[]} names */
function aptInstallCommand(names) {
  return `apt-get install -y --no-install-recommends ${names.join(' ')}`;
}

/**
 * Where to get those of `names` that EXTRA_SOURCES knows, under `heading`; '' if none.
 * @param {string[]} names
 * @param {string} heading
 */
function extraSourcesNote(names, heading) {
  const notes = names
    .filter((n) => Object.hasOwn(EXTRA_SOURCES, n))
    .map((n) => `  ${n}: ${EXTRA_SOURCES[/** @type {keyof typeof EXTRA_SOURCES} */ (n)]}`);
  return notes.length === 0 ? '' : `\n${heading}\n${notes.join('\n')}`;
}

/**
 * What to do about the system packages.
 * @param {{ missing: string[], apt: boolean, privilege: 'root' | 'sudo' | 'none',
 *           sudoInstalled: boolean, ubuntu: boolean }} situation
 * @returns {{ action: 'proceed', message: string }
 *   | { action: 'install', message: string, sudo: boolean }
 *   | { action: 'stop', message: string }}
 */
export function planSystemPackages({ missing, apt, privilege, sudoInstalled, ubuntu }) {
  if (missing.length === 0) {
    return {
      action: 'proceed',
      message: `system packages: all ${SYSTEM_PACKAGES.length} present`,
    };
  }
  if (!apt) {
    const list = SYSTEM_PACKAGES.map((p) => `  ${p.name.padEnd(15)} ${p.why}`).join('\n');
    return {
      action: 'stop',
      message:
        'npm test needs these system packages (Debian names), and this set-up installs them only ' +
        `on Debian or Ubuntu (apt-get):\n${list}\n` +
        'Run the suite on Debian bookworm (e.g. a container running .ci/run), or install the ' +
        'equivalents at those paths and set TRACKSPHERE_SKIP_SYSTEM_PACKAGES=1.',
    };
  }
  if (privilege === 'none') {
    const command = sudoInstalled
      ? `sudo apt-get update && sudo ${aptInstallCommand(missing)}`
      : `su -c 'apt-get update && ${aptInstallCommand(missing)}'`;
    return {
      action: 'stop',
      message:
        `npm test needs system packages that are not installed: ${missing.join(' ')}\n` +
        `Install them as root, then run npm test again:\n  ${command}` +
        (ubuntu
          ? extraSourcesNote(missing, "Ubuntu's own archive lacks some of them; add first:")
          : ''),
    };
  }
  return {
    action: 'install',
    message: `installing system packages: ${missing.join(' ')}…`,
    sudo: privilege === 'sudo',
  };
}

/**
 * After `apt-get update`: install what apt has; name where to get the rest.
 * @param {{ missing: string[], available: Set<string> }} situation
 * @returns {{ install: string[], stop: string | null }}
 */
export function planAfterUpdate({ missing, available }) {
  const install = missing.filter((n) => available.has(n));
  const unavailable = missing.filter((n) => !available.has(n));
  if (unavailable.length === 0) return { install, stop: null };
  return {
    install,
    stop:
      `npm test needs system packages that apt cannot find: ${unavailable.join(' ')}` +
      extraSourcesNote(unavailable, 'Add these apt sources:') +
      '\nOnce apt has them, run npm test again (it installs them).',
  };
}

/**
 * Package names from TRACKSPHERE_SETUP_PRETEND_MISSING ("a,b" or "a b").
 * @param {string | undefined} value
 */
export function pretendMissing(value) {
  return new Set((value ?? '').split(/[\s,]+/).filter((n) => n.length > 0));
}

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
