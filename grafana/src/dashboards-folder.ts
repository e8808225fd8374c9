import { fileURLToPath } from 'node:url';

/** grafana/dashboards/: where the generated JSON lives and the file provider reads from. */
export const DASHBOARDS_DIR = fileURLToPath(new URL('../dashboards/', import.meta.url));
