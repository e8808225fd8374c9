import type { JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { type MessageKey, t } from '../../components/i18n.js';

/** The options page's sections, in the order of its navigation; the URL's hash names the one shown. */
export const SECTIONS = ['overview', 'sites', 'when', 'categories', 'settings', 'data'] as const;
export type Section = (typeof SECTIONS)[number];

export const SECTION_NAMES: Record<Section, MessageKey> = {
  overview: 'sectionOverview',
  sites: 'sectionSites',
  when: 'sectionWhen',
  categories: 'sectionCategories',
  settings: 'sectionSettings',
  data: 'sectionData',
};

/** The heading each section starts with: where the focus goes when the person moves to it. */
export function sectionHeadingId(section: Section): string {
  return `section-${section}`;
}

/** The section a hash names ('#when'); null for any other hash (a skip link's, or none). */
export function sectionOfHash(hash: string): Section | null {
  const name = hash.replace(/^#/, '');
  return (SECTIONS as readonly string[]).includes(name) ? (name as Section) : null;
}

/** Shows `section`: a new history entry, so that Back returns to the one before. */
export function showSection(section: Section): void {
  if (sectionOfHash(window.location.hash) !== section) window.location.hash = section;
}

/**
 * The section in the URL's hash (reload and Back keep it); the overview without one. After a
 * move (not on the page's first render) the focus goes to the new section's heading, so that a
 * keyboard or screen reader user lands at its start.
 */
export function useSection(): Section {
  const [section, setSection] = useState<Section>(
    () => sectionOfHash(window.location.hash) ?? 'overview',
  );
  const [moved, setMoved] = useState(false);
  const shown = useRef(section);
  shown.current = section;
  useEffect(() => {
    // The window listened to is the one the listener is removed from, whenever that runs.
    const win = window;
    const follow = (): void => {
      const next = sectionOfHash(win.location.hash);
      if (next === null) return;
      setSection(next);
      setMoved(true);
    };
    win.addEventListener('hashchange', follow);
    // The listener comes after the first paint: a move made before it (a link clicked as the page
    // showed) had its hashchange already, and would leave the page on the old section for good.
    const now = sectionOfHash(win.location.hash);
    if (now !== null && now !== shown.current) follow();
    return () => win.removeEventListener('hashchange', follow);
  }, []);
  // Before the browser paints the new section (a layout effect): no frame shows it with the focus
  // still on the link, and nothing can read the page between the two.
  useLayoutEffect(() => {
    if (!moved) return;
    const heading = document.getElementById(sectionHeadingId(section));
    // A control of the new section may have taken the focus already (a limit started from a site's row).
    if (heading === null || heading.closest('section')?.contains(document.activeElement)) return;
    heading.focus();
    heading.scrollIntoView?.({ block: 'nearest' });
  }, [section, moved]);
  return section;
}

/** The sections as links (a real nav landmark); the one shown is marked as the current page. */
export function DashboardNav({ current }: { current: Section }): JSX.Element {
  return (
    <nav class="dashboard-nav" aria-label={t('sectionsLabel')} data-testid="section-nav">
      <ul>
        {SECTIONS.map((section) => (
          <li key={section}>
            <a
              href={`#${section}`}
              data-testid={`nav-${section}`}
              aria-current={section === current ? 'page' : undefined}
            >
              {t(SECTION_NAMES[section])}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
