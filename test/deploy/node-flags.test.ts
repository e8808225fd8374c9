/**
 * The node options production starts the API with (package.json's `start:api`; the Dockerfile and
 * docker-compose.yml run the same command: dockerfile.test.ts, compose-file.test.ts), which the
 * bench reads too (scripts/build-server.ts productionNodeFlags). The API's young generation is
 * capped: under the small-request bench's 100-event load V8's default (two semi-spaces of up to
 * 16 MiB) took the API's peak RSS past 250 MiB (docs/performance.md, "API peak RSS").
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { productionNodeFlags } from '../../scripts/build-server.js';
import { repoPath } from './repo-root.js';

const execFileAsync = promisify(execFile);
const packageJson = readFileSync(repoPath('package.json'), 'utf8');

/** Allocates short-lived objects, then prints the size V8's new space grew to, in bytes. */
const NEW_SPACE_PROBE = `
const v8 = require('node:v8');
let kept = [];
for (let i = 0; i < 2e6; i++) { kept.push({ i, s: 'x' + i }); if (kept.length > 1000) kept = []; }
const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
process.stdout.write(String(s.space_size));
`;

describe('the node options of the production entry points', () => {
  it('are what package.json starts each bundle with', () => {
    const pkg = JSON.stringify({
      scripts: {
        'start:api': 'node --enable-source-maps --max-semi-space-size=4 dist/server/api.mjs',
        'start:consumer': 'node --enable-source-maps dist/server/consumer.mjs',
        build: 'tsx scripts/build-server.ts',
      },
    });
    expect(productionNodeFlags(pkg, 'api.mjs')).toEqual([
      '--enable-source-maps',
      '--max-semi-space-size=4',
    ]);
    expect(productionNodeFlags(pkg, 'consumer.mjs')).toEqual(['--enable-source-maps']);
    expect(productionNodeFlags(pkg, 'admin.mjs')).toBeNull();
  });

  it('keep the API with source maps and a young generation of at most 8 MiB', async () => {
    const flags = productionNodeFlags(packageJson, 'api.mjs');
    expect(flags).toContain('--enable-source-maps');
    const { stdout } = await execFileAsync(process.execPath, [
      ...(flags ?? []),
      '-e',
      NEW_SPACE_PROBE,
    ]);
    // Node 20's default lets it grow to 32 MiB (two semi-spaces of 16).
    expect(Number(stdout)).toBeGreaterThan(0);
    expect(Number(stdout)).toBeLessThanOrEqual(8 * 1024 * 1024);
  });
});
