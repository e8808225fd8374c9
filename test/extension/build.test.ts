/**
 * The extension as shipped: builds it for Chrome, Edge and Firefox (all MV3)
 * with the WXT CLI, once, and checks each manifest holds exactly the
 * permissions and privacy settings the README promises, then runs Mozilla's
 * linter (web-ext lint) on the Firefox build.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUTPUT = join(ROOT, '.output');
const WEB_EXT = join(ROOT, 'node_modules/web-ext/bin/web-ext.js');
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
};

/** README "Permissions": nothing more, nothing less. */
const PERMISSIONS = ['alarms', 'idle', 'storage', 'tabs', 'webNavigation'];
const GECKO_ID = 'tracksphere@tracksphere.dev';

const TARGETS = [
  { browser: 'chrome', args: ['-b', 'chrome'], dir: 'chrome-mv3' },
  { browser: 'edge', args: ['-b', 'edge'], dir: 'edge-mv3' },
  { browser: 'firefox', args: ['-b', 'firefox', '--mv3'], dir: 'firefox-mv3' },
] as const;

interface Manifest {
  manifest_version: number;
  permissions?: string[];
  optional_permissions?: string[];
  host_permissions?: string[];
  optional_host_permissions?: string[];
  incognito?: string;
  background?: { service_worker?: string; scripts?: string[]; type?: string };
  content_security_policy?: { extension_pages?: string };
  content_scripts?: unknown[];
  icons?: Record<string, string>;
  browser_specific_settings?: {
    gecko?: {
      id?: string;
      strict_min_version?: string;
      data_collection_permissions?: { required?: string[]; optional?: string[] };
    };
  };
}

interface LintMessage {
  code: string;
  message: string;
  file?: string;
}

interface LintReport {
  summary: { errors: number; warnings: number; notices: number };
  errors: LintMessage[];
  warnings: LintMessage[];
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(OUTPUT, dir, 'manifest.json'), 'utf8')) as Manifest;
}

/** File names in a zip archive, from its central directory. */
function zipEntries(file: string): string[] {
  const zip = readFileSync(file);
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error(`${file}: not a zip archive`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    names.push(zip.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

let lint: LintReport;

beforeAll(async () => {
  // The builds and zips are made once per run by test/harness/extension-builds.ts.
  const linted = await run(
    process.execPath,
    [WEB_EXT, 'lint', '--source-dir', join(OUTPUT, 'firefox-mv3'), '--output', 'json'],
    { cwd: ROOT, env: { ...process.env, NO_UPDATE_NOTIFIER: '1' } },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  lint = JSON.parse(linted.stdout) as LintReport;
}, 90_000);

describe.each(TARGETS)('the $browser build (.output/$dir)', ({ browser, dir }) => {
  it('is Manifest V3 with exactly the permissions the README lists, and no host access', () => {
    const manifest = readManifest(dir);
    expect(manifest.manifest_version).toBe(3);
    expect([...(manifest.permissions ?? [])].sort()).toEqual(PERMISSIONS);
    // Notifications are asked for when the first daily limit is set (Firefox 140 ESR has them too).
    expect(manifest.optional_permissions).toEqual(['notifications']);
    expect(manifest.host_permissions).toBeUndefined();
    expect(manifest.optional_host_permissions).toBeUndefined();
    expect(manifest.content_scripts).toBeUndefined();
  });

  it('never runs in private windows', () => {
    expect(readManifest(dir).incognito).toBe('not_allowed');
  });

  it('runs the background as the browser wants it for MV3', () => {
    const { background } = readManifest(dir);
    if (browser === 'firefox') {
      // Firefox has no MV3 service workers: an event page with background scripts.
      expect(background).toEqual({ scripts: ['background.js'] });
    } else {
      expect(background).toEqual({ service_worker: 'background.js' });
    }
    expect(existsSync(join(OUTPUT, dir, 'background.js'))).toBe(true);
  });

  it('loads only its own code in extension pages', () => {
    const csp = readManifest(dir).content_security_policy?.extension_pages ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline|wasm-unsafe-eval/);
  });

  it('ships its icons', () => {
    const { icons } = readManifest(dir);
    expect(Object.keys(icons ?? {}).sort()).toEqual(['128', '16', '32', '48']);
    for (const file of Object.values(icons ?? {})) {
      expect(existsSync(join(OUTPUT, dir, file))).toBe(true);
    }
  });

  it('is zipped for the store', () => {
    const entries = zipEntries(join(OUTPUT, `tracksphere-${version}-${browser}.zip`));
    expect(entries).toEqual(expect.arrayContaining(['manifest.json', 'background.js']));
  });
});

describe('the Firefox build', () => {
  it('names its add-on id, the first Firefox with data consent, and what it may collect', () => {
    const gecko = readManifest('firefox-mv3').browser_specific_settings?.gecko;
    expect(gecko?.id).toBe(GECKO_ID);
    expect(Number.parseFloat(gecko?.strict_min_version ?? '0')).toBeGreaterThanOrEqual(140);
    expect(gecko?.data_collection_permissions).toEqual({
      required: ['none'],
      optional: ['browsingActivity'],
    });
  });

  it('has no Firefox-only keys in the Chromium builds', () => {
    expect(readManifest('chrome-mv3').browser_specific_settings).toBeUndefined();
    expect(readManifest('edge-mv3').browser_specific_settings).toBeUndefined();
  });

  it('passes web-ext lint with no errors', () => {
    const warnings = lint.warnings.map((w) => `${w.code}: ${w.message} (${w.file ?? ''})`);
    console.log(
      `web-ext lint: ${lint.summary.errors} errors, ${lint.summary.warnings} warnings, ${lint.summary.notices} notices${warnings.map((w) => `\n  warning ${w}`).join('')}`,
    );
    expect(lint.errors.map((e) => `${e.code}: ${e.message} (${e.file ?? ''})`)).toEqual([]);
  });

  it('comes with a sources zip that builds the extension and leaves the server out', () => {
    const entries = zipEntries(join(OUTPUT, `tracksphere-${version}-sources.zip`));
    expect(entries).toEqual(
      expect.arrayContaining([
        'package.json',
        'package-lock.json',
        'wxt.config.ts',
        'extension/entrypoints/background.ts',
        'protocol/index.ts',
      ]),
    );
    expect(entries.filter((name) => /^(server|test|node_modules|\.output)\//.test(name))).toEqual(
      [],
    );
  });
});
