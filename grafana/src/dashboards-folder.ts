import { fileURLToPath } from 'node:url';

/** grafana/dashboards/: where the generated JSON lives and the file provider reads from. */
export const DASHBOARDS_DIR = fileURLToPath(new URL('../dashboards/', import.meta.url));

/**
 * grafana/study-dashboards/: the Study dashboards, provisioned into their own folder (Study) by
 * a second provider, so that their viewers can be given that folder and not the other.
 */
export const STUDY_DASHBOARDS_DIR = fileURLToPath(new URL('../study-dashboards/', import.meta.url));
