import {
  DashboardBuilder,
  DashboardCursorSync,
  type DashboardLink,
  DashboardLinkBuilder,
  DashboardLinkType,
} from '@grafana/grafana-foundation-sdk/dashboard';

export interface DashboardIdentity {
  uid: string;
  title: string;
  description: string;
  /** Default time range, as Grafana relative times (e.g. now-7d). */
  from: string;
  /** Auto-refresh interval, or '' for none. */
  refresh: string;
  /** The tag of its set, whose dashboards its link menu lists; DASHBOARD_TAG unless given. */
  tag?: string;
}

/** Every tag the dashboards share; the link menu lists the dashboards carrying it. */
export const DASHBOARD_TAG = 'tracksphere';

/**
 * The common frame: uid (stable, so links and bookmarks survive regeneration), tags, a
 * drop-down to the other Tracksphere dashboards keeping time range and variables, and
 * read-only, because these files are generated: changes belong in grafana/src.
 */
export function baseDashboard(id: DashboardIdentity): DashboardBuilder {
  const builder = new DashboardBuilder(id.title)
    .uid(id.uid)
    .description(id.description)
    .tags([id.tag ?? DASHBOARD_TAG, 'generated'])
    .timezone('browser')
    .readonly()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: id.from, to: 'now' })
    .link({ build: () => dashboardsMenu(id.tag ?? DASHBOARD_TAG) });
  return id.refresh === '' ? builder : builder.refresh(id.refresh);
}

/**
 * The "Tracksphere" drop-down of the other dashboards. The SDK presets placement to
 * "inControlsMenu", which newer Grafana hides in the controls menu; without it the link shows
 * above the panels, Grafana's default.
 */
function dashboardsMenu(tag: string): DashboardLink {
  const { placement: _inControlsMenu, ...abovePanels } = new DashboardLinkBuilder('Tracksphere')
    .type(DashboardLinkType.Dashboards)
    .tags([tag])
    .asDropdown(true)
    .includeVars(true)
    .keepTime(true)
    .build();
  return abovePanels;
}
