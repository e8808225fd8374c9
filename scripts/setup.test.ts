import { describe, expect, it } from 'vitest';
import {
  isUbuntu,
  npmDependenciesState,
  parseAptCandidates,
  parseDpkgInstalled,
  planAfterUpdate,
  planSystemPackages,
  pretendMissing,
  SYSTEM_PACKAGES,
} from './setup-plan.mjs';

const lockfile = (packages: Record<string, object>): string =>
  JSON.stringify({ name: 'tracksphere', lockfileVersion: 3, packages });

const LOCK = lockfile({
  '': { name: 'tracksphere', version: '0.1.0' },
  'node_modules/zod': { version: '4.6.7', resolved: 'https://r/zod-4.6.7.tgz', integrity: 'a' },
  'node_modules/@biomejs/cli-darwin-arm64': { version: '2.5.15', optional: true, dev: true },
  'node_modules/fsevents': { version: '2.3.3', devOptional: true },
});
const INSTALLED = lockfile({
  'node_modules/zod': { version: '4.6.7', resolved: 'https://r/zod-4.6.7.tgz', integrity: 'a' },
});

describe('npmDependenciesState', () => {
  it('is up to date when node_modules matches the lockfile, other platforms’ optionals aside', () => {
    expect(npmDependenciesState({ lock: LOCK, installed: INSTALLED, nodeModules: true })).toEqual({
      upToDate: true,
      reason: 'node_modules matches package-lock.json',
    });
  });

  it('installs on a fresh clone (no node_modules)', () => {
    expect(npmDependenciesState({ lock: LOCK, installed: null, nodeModules: false })).toEqual({
      upToDate: false,
      reason: 'node_modules is missing',
    });
  });

  it('installs when an install never finished (no node_modules/.package-lock.json)', () => {
    const state = npmDependenciesState({ lock: LOCK, installed: null, nodeModules: true });
    expect(state.upToDate).toBe(false);
  });

  it('installs when the lockfile moved on (a pull bumped a version)', () => {
    const lock = LOCK.replaceAll('4.6.7', '4.7.0');
    expect(npmDependenciesState({ lock, installed: INSTALLED, nodeModules: true })).toEqual({
      upToDate: false,
      reason: 'node_modules/zod is 4.6.7, package-lock.json wants 4.7.0',
    });
  });

  it('installs when the lockfile added a required package', () => {
    const lock = lockfile({
      ...JSON.parse(LOCK).packages,
      'node_modules/pg': { version: '8.23.1' },
    });
    expect(npmDependenciesState({ lock, installed: INSTALLED, nodeModules: true })).toEqual({
      upToDate: false,
      reason: 'node_modules/pg is not installed',
    });
  });

  it('installs when node_modules holds a package the lockfile dropped', () => {
    const installed = lockfile({
      ...JSON.parse(INSTALLED).packages,
      'node_modules/left-pad': { version: '1.3.0' },
    });
    const state = npmDependenciesState({ lock: LOCK, installed, nodeModules: true });
    expect(state).toEqual({
      upToDate: false,
      reason: 'node_modules/left-pad is not in package-lock.json',
    });
  });

  it('installs when the record is corrupt', () => {
    const state = npmDependenciesState({ lock: LOCK, installed: '{', nodeModules: true });
    expect(state.upToDate).toBe(false);
  });
});

describe('parsing dpkg-query and apt-cache', () => {
  it('counts only fully installed packages', () => {
    const out = [
      'nginx\tinstall ok installed',
      'gcc\tdeinstall ok config-files',
      'librdkafka-dev:amd64\tinstall ok installed',
      '',
    ].join('\n');
    expect([...parseDpkgInstalled(out)].sort()).toEqual(['librdkafka-dev', 'nginx']);
  });

  it('finds the packages apt has a candidate for', () => {
    const out = [
      'nginx:',
      '  Installed: (none)',
      '  Candidate: 1.22.1-9+deb12u12',
      '  Version table:',
      '     1.22.1-9+deb12u12 500',
      '        500 http://deb.debian.org/debian bookworm/main amd64 Packages',
      'firefox-esr:',
      '  Installed: (none)',
      '  Candidate: (none)',
      '  Version table:',
      '',
    ].join('\n');
    expect([...parseAptCandidates(out)]).toEqual(['nginx']);
  });

  it('recognises Ubuntu and its derivatives', () => {
    expect(isUbuntu('NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n')).toBe(true);
    expect(isUbuntu('ID=linuxmint\nID_LIKE="ubuntu debian"\n')).toBe(true);
    expect(isUbuntu('ID=debian\nVERSION_CODENAME=bookworm\n')).toBe(false);
  });

  it('reads the pretend-missing override', () => {
    expect([...pretendMissing('nginx, firefox-esr gcc')]).toEqual(['nginx', 'firefox-esr', 'gcc']);
    expect(pretendMissing(undefined).size).toBe(0);
  });
});

describe('SYSTEM_PACKAGES', () => {
  it('lists what the deployment tests run, each with a reason', () => {
    const names = SYSTEM_PACKAGES.map((p) => p.name);
    // nginx and openssl: the proxy; certbot and pebble: the ACME test (test/deploy/acme.test.ts);
    // prometheus: the monitoring test (test/deploy/prometheus.test.ts).
    for (const name of ['nginx', 'openssl', 'certbot', 'pebble', 'prometheus']) {
      expect(names).toContain(name);
    }
    expect(new Set(names).size).toBe(names.length);
    for (const p of SYSTEM_PACKAGES) expect(p.why.length, p.name).toBeGreaterThan(10);
  });
});

describe('planSystemPackages', () => {
  const base = {
    missing: [] as string[],
    apt: true,
    privilege: 'none' as const,
    sudoInstalled: true,
    ubuntu: false,
  };

  it('proceeds when everything is installed, whoever runs it', () => {
    expect(planSystemPackages(base)).toEqual({
      action: 'proceed',
      message: `system packages: all ${SYSTEM_PACKAGES.length} present`,
    });
    expect(planSystemPackages({ ...base, apt: false }).action).toBe('proceed');
  });

  it('installs as root, and with password-less sudo through sudo', () => {
    const missing = ['nginx', 'firefox-esr'];
    expect(planSystemPackages({ ...base, missing, privilege: 'root' })).toEqual({
      action: 'install',
      message: 'installing system packages: nginx firefox-esr…',
      sudo: false,
    });
    expect(planSystemPackages({ ...base, missing, privilege: 'sudo' })).toMatchObject({
      action: 'install',
      sudo: true,
    });
  });

  it('stops an unprivileged user with the one command to run', () => {
    const plan = planSystemPackages({ ...base, missing: ['nginx', 'firefox-esr'] });
    expect(plan).toEqual({
      action: 'stop',
      message:
        'npm test needs system packages that are not installed: nginx firefox-esr\n' +
        'Install them as root, then run npm test again:\n' +
        '  sudo apt-get update && sudo apt-get install -y --no-install-recommends nginx firefox-esr',
    });
  });

  it('offers su when sudo is not installed', () => {
    const plan = planSystemPackages({ ...base, missing: ['gcc'], sudoInstalled: false });
    expect(plan.message).toContain(
      "  su -c 'apt-get update && apt-get install -y --no-install-recommends gcc'",
    );
  });

  it('on Ubuntu, names the sources of what its archive lacks', () => {
    const plan = planSystemPackages({ ...base, missing: ['gcc', 'chromium'], ubuntu: true });
    expect(plan.action).toBe('stop');
    expect(plan.message).toContain('ppa:xtradeb/apps');
    expect(plan.message).not.toContain('postgresql');
  });

  it('without apt, lists every package and why, and stops', () => {
    const plan = planSystemPackages({ ...base, missing: ['gcc'], apt: false, privilege: 'root' });
    expect(plan.action).toBe('stop');
    for (const p of SYSTEM_PACKAGES) expect(plan.message).toContain(p.name);
    expect(plan.message).toContain('TRACKSPHERE_SKIP_SYSTEM_PACKAGES=1');
  });
});

describe('planAfterUpdate', () => {
  it('installs everything apt has', () => {
    expect(
      planAfterUpdate({ missing: ['gcc', 'nginx'], available: new Set(['gcc', 'nginx', 'x']) }),
    ).toEqual({ install: ['gcc', 'nginx'], stop: null });
  });

  it('installs what apt has, then names where to get the rest', () => {
    const plan = planAfterUpdate({
      missing: ['gcc', 'postgresql-15', 'firefox-esr'],
      available: new Set(['gcc']),
    });
    expect(plan.install).toEqual(['gcc']);
    expect(plan.stop).toContain('apt cannot find: postgresql-15 firefox-esr');
    expect(plan.stop).toContain('apt.postgresql.org.sh');
    expect(plan.stop).toContain('ppa:mozillateam/ppa');
  });
});
