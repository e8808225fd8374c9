/**
 * For use inside test files: a fresh database on the shared cluster started by global-setup.ts.
 *
 *   const url = await freshDatabase('events');   // typically once per test file, in beforeAll
 *
 * Databases are not dropped afterwards: the whole cluster is destroyed at the end of the run.
 */
import { inject } from 'vitest';
import { createDatabaseAt } from './postgres.js';

export async function freshDatabase(prefix?: string): Promise<string> {
  const baseUrl = inject('pgBaseUrl');
  if (!baseUrl) {
    throw new Error(
      "freshDatabase: inject('pgBaseUrl') is empty; is test/harness/global-setup.ts listed in " +
        'the globalSetup of vitest.config.ts?',
    );
  }
  return createDatabaseAt(baseUrl, prefix);
}
