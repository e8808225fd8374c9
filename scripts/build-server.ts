/**
 * `npm run build:server`: the server's entry points as JavaScript, what production runs
 * (`npm run start:*`, the Dockerfile). One esbuild bundle per entry point in dist/server/: the
 * server's own code and protocol/ compiled into it, the npm packages left to node_modules (the
 * production dependencies), a source map beside it (run with `node --enable-source-maps`), and
 * the SQL migrations copied to dist/server/migrations/, where the bundles look for them.
 * Development and the tests keep running the TypeScript through tsx.
 *
 * Why the packages stay out: bundled, they made each bundle ~4 MB with a ~2 MB source map,
 * which --enable-source-maps holds in memory (~55 MiB more RSS at start than without, more than
 * tsx itself costs); our code alone maps in ~100 KB (docs/performance.md, "Compiled server").
 *
 *   tsx scripts/build-server.ts [out-dir]     (default dist/server; node_modules must be
 *                                             reachable from it, as from dist/server)
 */
import { cp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');

/** Each bundle's file name in the output folder and the entry point it is built from. */
export const SERVER_BUNDLES: Readonly<Record<string, string>> = {
  'api.mjs': 'server/src/entry-points/api/main.ts',
  'consumer.mjs': 'server/src/entry-points/consumer/main.ts',
  'server.mjs': 'server/src/entry-points/server.ts',
  'migrate.mjs': 'server/src/entry-points/migrate.ts',
  'admin.mjs': 'server/src/entry-points/admin/main.ts',
};

/**
 * The node options a bundle runs with in production: what package.json's `start:*` script for it
 * puts between `node` and the bundle (`node --enable-source-maps ... dist/server/api.mjs`). The
 * Dockerfile and docker-compose.yml start the same command (test/deploy checks), and the bench
 * starts the bundles with these, so what it measures is what production runs. `packageJson`: the
 * text of a package.json (another commit's, for a bench comparing commits). Null when no script
 * starts that bundle.
 */
export function productionNodeFlags(packageJson: string, bundle: string): string[] | null {
  const scripts = (JSON.parse(packageJson) as { scripts?: Record<string, string> }).scripts ?? {};
  for (const script of Object.values(scripts)) {
    const words = script.trim().split(/\s+/);
    if (words[0] === 'node' && words.at(-1) === `dist/server/${bundle}`) return words.slice(1, -1);
  }
  return null;
}

/** productionNodeFlags of this checkout's package.json. */
export async function nodeFlagsOf(bundle: string, root = ROOT): Promise<string[] | null> {
  return productionNodeFlags(await readFile(join(root, 'package.json'), 'utf8'), bundle);
}

/**
 * Builds every bundle into outDir (emptied first); resolves with the files written. `root`: the
 * source tree (another checkout, for a bench comparing commits).
 */
export async function buildServer(
  outDir = join(ROOT, 'dist/server'),
  root = ROOT,
): Promise<string[]> {
  await rm(outDir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.entries(SERVER_BUNDLES).map(([out, entry]) => ({
      in: entry,
      out: out.replace(/\.mjs$/, ''),
    })),
    outdir: outDir,
    // ES modules whatever package.json says, so a bundle runs from any folder.
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20.12',
    format: 'esm',
    // Imported from node_modules at run time; `#protocol` (package.json imports) is compiled in.
    packages: 'external',
    // Where a stack trace points is enough; the sources stay in the repository.
    sourcemap: 'linked',
    sourcesContent: false,
    // Error and class names as in the source (logs print err.type, the constructor's name).
    keepNames: true,
    define: { TRACKSPHERE_BUNDLED_MIGRATIONS: JSON.stringify('./migrations') },
    logLevel: 'warning',
  });
  if (result.errors.length > 0) throw new Error('esbuild failed');
  await cp(join(root, 'server/migrations'), join(outDir, 'migrations'), { recursive: true });
  return Object.keys(SERVER_BUNDLES).map((file) => join(outDir, file));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = process.argv[2] === undefined ? undefined : resolve(process.argv[2]);
  const files = await buildServer(out);
  process.stdout.write(`built ${files.length} bundles: ${files.join(', ')}\n`);
}
