import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['protocol/**/*.test.ts', 'server/**/*.test.ts', 'test/**/*.test.ts'],
          // One throw-away PostgreSQL cluster per run; each test file makes its own database.
          // The extension is built once, before any test reads .output/.
          globalSetup: ['test/harness/global-setup.ts', 'test/harness/extension-builds.ts'],
        },
      },
      {
        extends: true,
        // The set-up scripts' pure logic: no database or extension builds needed.
        test: { name: 'scripts', include: ['scripts/**/*.test.ts'] },
      },
      {
        extends: true,
        // WXT's fake browser (@webext-core/fake-browser) and its import aliases.
        plugins: [WxtVitest()],
        test: {
          name: 'extension',
          include: ['extension/**/*.test.{ts,tsx}'],
          setupFiles: ['fake-indexeddb/auto'],
        },
      },
    ],
  },
});
