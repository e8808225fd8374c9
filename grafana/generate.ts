/**
 * Writes grafana/dashboards/*.generated.json from the TypeScript in grafana/src.
 *
 *   npx tsx grafana/generate.ts
 *
 * Run it after changing a dashboard and commit both; test/grafana/dashboard-files.test.ts fails
 * when the committed JSON differs from a fresh generation. Files of dashboards that no longer
 * exist are removed, so the provisioned folder holds exactly the generated set.
 */
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { allDashboards, dashboardJson } from './src/all-dashboards.js';
import { DASHBOARDS_DIR } from './src/dashboards-folder.js';

const generated = allDashboards();
const keep = new Set(generated.map((g) => g.file));
for (const name of await readdir(DASHBOARDS_DIR)) {
  if (name.endsWith('.json') && !keep.has(name)) await rm(join(DASHBOARDS_DIR, name));
}
for (const { file, dashboard } of generated) {
  await writeFile(join(DASHBOARDS_DIR, file), dashboardJson(dashboard));
  process.stdout.write(`wrote grafana/dashboards/${file}\n`);
}
