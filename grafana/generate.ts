/**
 * Writes grafana/dashboards/*.generated.json (the admin's, per device) and
 * grafana/study-dashboards/*.generated.json (the Study folder: aggregates only) from the
 * TypeScript in grafana/src.
 *
 *   npx tsx grafana/generate.ts
 *
 * Run it after changing a dashboard and commit both; test/grafana/dashboard-files.test.ts fails
 * when the committed JSON differs from a fresh generation. Files of dashboards that no longer
 * exist are removed, so the provisioned folder holds exactly the generated set.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { allDashboards, dashboardJson, dashboardsDir } from './src/all-dashboards.js';

const generated = allDashboards();
for (const folder of ['tracksphere', 'study'] as const) {
  const dir = dashboardsDir(folder);
  await mkdir(dir, { recursive: true });
  const keep = new Set(generated.filter((g) => g.folder === folder).map((g) => g.file));
  for (const name of await readdir(dir)) {
    if (name.endsWith('.json') && !keep.has(name)) await rm(join(dir, name));
  }
}
for (const { file, folder, dashboard } of generated) {
  const dir = dashboardsDir(folder);
  await writeFile(join(dir, file), dashboardJson(dashboard));
  process.stdout.write(`wrote grafana/${basename(dir)}/${file}\n`);
}
