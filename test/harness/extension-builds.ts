/**
 * vitest globalSetup: builds and zips the extension for Chrome, Edge and
 * Firefox once per run, before any test file reads `.output/` (so tests that
 * inspect the builds and tests that load them in a browser never race a build).
 */
import { execFile } from 'node:child_process';
import { access, cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WXT = join(ROOT, 'node_modules/wxt/bin/wxt.mjs');

export const EXTENSION_TARGETS = [
  { browser: 'chrome', args: ['-b', 'chrome'], dir: 'chrome-mv3' },
  { browser: 'edge', args: ['-b', 'edge'], dir: 'edge-mv3' },
  { browser: 'firefox', args: ['-b', 'firefox', '--mv3'], dir: 'firefox-mv3' },
] as const;

export function extensionBuildDir(dir: string): string {
  return join(ROOT, '.output', dir);
}

/**
 * A copy of a build that no other run rebuilds under the browser's feet: several people's
 * test runs share .output/, and a page opened while another run rewrites it is "Your file
 * couldn't be accessed". The copy is left to the system's temporary folder.
 */
export async function stableBuildDir(dir: string): Promise<string> {
  // A build under way has no manifest yet (WXT empties the folder first): wait for it.
  for (let attempt = 0; attempt < 60; attempt++) {
    const copy = await mkdtemp(join(tmpdir(), `tracksphere-${dir}-`));
    await cp(extensionBuildDir(dir), copy, { recursive: true }).catch(() => undefined);
    if (
      await access(join(copy, 'manifest.json')).then(
        () => true,
        () => false,
      )
    )
      return copy;
    await new Promise((r) => setTimeout(r, 2_000));
  }
  throw new Error(`no complete build in .output/${dir}`);
}

export default async function setup(): Promise<void> {
  // One at a time: the three share the generated .wxt folder. `wxt zip` builds, then packs
  // (and, for Firefox, packs the sources AMO reviews).
  for (const target of EXTENSION_TARGETS) {
    try {
      // What ships: vitest sets NODE_ENV=test, and WXT keeps a NODE_ENV it inherits
      // (a test build has Preact's development JSX and devtools hook).
      await run(process.execPath, [WXT, 'zip', ...target.args], {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'production' },
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(
        `wxt zip ${target.args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
      );
    }
  }
}
