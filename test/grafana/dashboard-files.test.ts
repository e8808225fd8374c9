/**
 * The committed dashboards are exactly what the TypeScript generates: nobody hand-edits the JSON
 * and lets it drift. After changing grafana/src, run `npx tsx grafana/generate.ts`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { allDashboards, dashboardJson, dashboardsDir } from '../../grafana/src/all-dashboards.js';

const generated = allDashboards();

it.each(['tracksphere', 'study'] as const)(
  'the %s folder holds exactly the generated files',
  async (folder) => {
    const files = (await readdir(dashboardsDir(folder))).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(
      generated
        .filter((g) => g.folder === folder)
        .map((g) => g.file)
        .sort(),
    );
  },
);

it.each(generated.map((g) => [g.file, g] as const))(
  '%s equals a fresh generation (else run: npx tsx grafana/generate.ts)',
  async (file, g) => {
    const committed = await readFile(join(dashboardsDir(g.folder), file), 'utf8');
    // Parsed first, for a readable diff; then byte for byte, which is what Grafana loads.
    expect(JSON.parse(committed)).toEqual(JSON.parse(dashboardJson(g.dashboard)));
    expect(committed).toBe(dashboardJson(g.dashboard));
  },
);
