/**
 * The extension benches' host page: the bench code (extension-page-entry.ts) bundled for the
 * page, and a popup page of the loaded build it runs in, with consent given and a year of raw
 * visits kept. bench/extension.ts and bench/extension-trace.ts both start from it.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import type { Page } from 'puppeteer-core';
import { closeInstallWelcomeTab, type ExtensionBrowser } from '../test/harness/browsers.js';
import type { SeedOptions, TracksphereBenchApi } from './extension-page-entry.js';
import { pageScript } from './extension-views.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * tracker-store.ts gets bench/extension-settings-shim.ts for its settings: the real module
 * with the old storage.local tracker state under keys of its own (see that file).
 */
const settingsShim: Plugin = {
  name: 'tracksphere-bench-settings',
  setup(b) {
    b.onResolve({ filter: /settings\/index\.js$/ }, (args) =>
      args.importer.endsWith(join('background', 'tracker-store.ts'))
        ? { path: join(ROOT, 'bench', 'extension-settings-shim.ts') }
        : undefined,
    );
  },
};

/** The bench code for the page (window.tracksphereBench), bundled. */
export const pageBundle = (): Promise<string> =>
  pageScript('extension-page-entry.ts', { plugins: [settingsShim] });

/**
 * A popup page of the loaded build with the bench code in it. The popup's first load creates
 * the database; consent is given (the tracker records nothing without it) and a year of raw
 * visits kept.
 */
export async function openBenchHost(eb: ExtensionBrowser, bundle: string): Promise<Page> {
  await closeInstallWelcomeTab(eb);
  const host = await eb.browser.newPage();
  await host.goto(`${eb.extensionUrl}popup.html`, { waitUntil: 'domcontentloaded' });
  await host.waitForSelector('[data-testid="today-total"]');
  await host.evaluate(bundle);
  await host.evaluate(async () => {
    type StorageApi = { storage: { local: { set(v: Record<string, unknown>): Promise<void> } } };
    const g = globalThis as unknown as { chrome: StorageApi };
    await g.chrome.storage.local.set({ consent: true, retentionDays: 400 });
  });
  return host;
}

/**
 * Seeds the host page's database with `opts.visits` visits over `opts.days` days
 * (extension-page-entry.ts's seed), 30 days a call so that no one evaluate holds the page long.
 */
export async function seedHistory(host: Page, opts: SeedOptions): Promise<void> {
  for (let from = 0; from < opts.days; from += 30) {
    await host.evaluate(
      (o: SeedOptions, f: number) =>
        (window as unknown as { tracksphereBench: TracksphereBenchApi }).tracksphereBench.seed(
          o,
          f,
          f + 30,
        ),
      opts,
      from,
    );
  }
}
