import type { Dashboard } from '@grafana/schema';
import { audienceDashboard } from './dashboards/audience.js';
import { devicesDashboard } from './dashboards/devices.js';
import { overviewDashboard } from './dashboards/overview.js';
import { pipelineHealthDashboard } from './dashboards/pipeline-health.js';
import { sessionsDashboard } from './dashboards/sessions.js';
import { sitesDashboard } from './dashboards/sites.js';
import { studyDashboard } from './dashboards/study.js';
import { DASHBOARDS_DIR, STUDY_DASHBOARDS_DIR } from './dashboards-folder.js';

export interface GeneratedDashboard {
  /**
   * File name under grafana/dashboards/. The `.generated.json` suffix tells people not to edit
   * it, and keeps Biome from reformatting it (biome.json ignores that suffix), so the committed
   * bytes are exactly what dashboardJson() writes.
   */
  file: string;
  /**
   * The Grafana folder it is provisioned into: 'tracksphere' (the admin's, per device, from
   * grafana/dashboards/) or 'study' (aggregates only, from grafana/study-dashboards/).
   */
  folder: 'tracksphere' | 'study';
  dashboard: Dashboard;
}

/** The directory a dashboard's file is written to. */
export function dashboardsDir(folder: GeneratedDashboard['folder']): string {
  return folder === 'study' ? STUDY_DASHBOARDS_DIR : DASHBOARDS_DIR;
}

/** Every provisioned dashboard, in the order of the README. */
export function allDashboards(): GeneratedDashboard[] {
  return [
    { file: 'overview.generated.json', folder: 'tracksphere', dashboard: overviewDashboard() },
    { file: 'sites.generated.json', folder: 'tracksphere', dashboard: sitesDashboard() },
    { file: 'audience.generated.json', folder: 'tracksphere', dashboard: audienceDashboard() },
    { file: 'sessions.generated.json', folder: 'tracksphere', dashboard: sessionsDashboard() },
    {
      file: 'pipeline-health.generated.json',
      folder: 'tracksphere',
      dashboard: pipelineHealthDashboard(),
    },
    { file: 'devices.generated.json', folder: 'tracksphere', dashboard: devicesDashboard() },
    { file: 'study.generated.json', folder: 'study', dashboard: studyDashboard() },
  ];
}

/** The file content: stable key order (as built), two-space indent, trailing newline. */
export function dashboardJson(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
