/**
 * vitest globalSetup: one shared throw-away PostgreSQL 15 cluster per test run.
 *
 * Test files get its base URL with `inject('pgBaseUrl')` (database 'postgres'); they should not
 * use that database directly but call `freshDatabase()` from ./database.js to get their own.
 */
import type { TestProject } from 'vitest/node';
import { startPgCluster } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://postgres@127.0.0.1:<port>/postgres of the shared test cluster. */
    pgBaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // fsync=off is fine for a throw-away cluster (data only has to survive the run, not an OS
  // crash); synchronous_commit keeps its default so commit semantics stay realistic.
  const cluster = await startPgCluster({ settings: { fsync: 'off' } });
  project.provide('pgBaseUrl', cluster.url('postgres'));
  return async (): Promise<void> => {
    await cluster.destroy();
  };
}
