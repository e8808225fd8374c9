import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder, whatever the working directory of the test run. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function repoPath(...segments: string[]): string {
  return resolve(REPO_ROOT, ...segments);
}
