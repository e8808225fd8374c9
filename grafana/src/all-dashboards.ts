import type { Dashboard } from '@grafana/schema';
import { audienceDashboard } from './dashboards/audience.js';
import { overviewDashboard } from './dashboards/overview.js';
import { pipelineHealthDashboard } from './dashboards/pipeline-health.js';
import { sessionsDashboard } from './dashboards/sessions.js';
import { sitesDashboard } from './dashboards/sites.js';

export interface GeneratedDashboard {
  /**
   * File name under grafana/dashboards/. The `.generated.json` suffix tells people not to edit
   * it, and keeps Biome from reformatting it (biome.json ignores that suffix), so the committed
   * bytes are exactly what dashboardJson() writes.
   */
  file: string;
  dashboard: Dashboard;
}

/** Every provisioned dashboard, in the order of the README. */
export function allDashboards(): GeneratedDashboard[] {
  return [
    { file: 'overview.generated.json', dashboard: overviewDashboard() },
    { file: 'sites.generated.json', dashboard: sitesDashboard() },
    { file: 'audience.generated.json', dashboard: audienceDashboard() },
    { file: 'sessions.generated.json', dashboard: sessionsDashboard() },
    { file: 'pipeline-health.generated.json', dashboard: pipelineHealthDashboard() },
  ];
}

/** The file content: stable key order (as built), two-space indent, trailing newline. */
export function dashboardJson(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
