// The set-up's decisions, pure and tested (scripts/setup.test.ts); scripts/setup.mjs does the I/O.
// Plain JavaScript with no dependencies: it runs before anything is installed.

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
  {
    name: 'certbot',
    why: 'the ACME client the certbot service runs, driven by its script in the certificate test (test/deploy/acme.test.ts)',
  },
  {
    name: 'pebble',
    why: "Let's Encrypt's ACME test server: the CA that test's certbot gets certificates from, validating through the project's nginx",
  },
  {
    name: 'prometheus',
    why: 'Prometheus and promtool: the monitoring tests check the rules and scrape a real API and consumer (test/deploy/prometheus.test.ts)',
  },
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
