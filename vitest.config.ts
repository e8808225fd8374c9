import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'protocol/**/*.test.ts',
      'server/**/*.test.ts',
      'extension/**/*.test.{ts,tsx}',
      'test/**/*.test.ts',
    ],
    // One throw-away PostgreSQL cluster per run; each test file makes its own database.
    globalSetup: ['test/harness/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
