import { describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { TracksphereDb } from '../db/index.js';
import type { SyncStatus } from '../db/sync-status.js';
import { SiteListEditor } from '../entrypoints/options/site-list-editor.js';
import { PopupView, type PopupViewProps } from '../entrypoints/popup/popup-view.js';
import { WelcomeView } from '../entrypoints/welcome/welcome-view.js';
import type { TrackerStatus } from '../messaging/protocol.js';
import { loadPopupStats } from '../stats/index.js';
import { seededDb, TODAY } from '../stats/stats-test-kit.js';
import { t } from './i18n.js';
import { errorNote, NoteLine, note } from './note.js';
import { SyncStatusPanel, type SyncStatusPanelProps } from './sync-status-panel.js';
import { barAfterKey, TrendChart } from './trend-chart.js';
import { renderView, viewTestHooks } from './ui-test-kit.js';

const MIN = 60_000;

const STATUS: TrackerStatus = {
  consent: true,
  pausedAll: false,
  level: 'full',
  pausedSites: [],
  allowlistOnly: false,
  allowlist: [],
  idleThresholdSeconds: 60,
  toolbarBadge: true,
  activePage: { tabId: 7, site: 'news.example', recording: true, reason: null, activeMs: 90_000 },
  openVisits: [],
  sync: {
    enabled: true,
    serverUrl: 'https://ts.example.org',
    registered: true,
    stopped: null,
    study: null,
    canLeave: true,
  },
};

let db: TracksphereDb;
viewTestHooks(() => db);

async function popupProps(overrides: Partial<PopupViewProps> = {}): Promise<PopupViewProps> {
  db = await seededDb();
  return {
    stats: await loadPopupStats(db, TODAY),
    status: STATUS,
    welcomeUrl: 'welcome.html',
    optionsUrl: 'options.html',
    site: { busy: false, onToggleSite: vi.fn(), onPauseAll: vi.fn() },
    sync: {
      status: {
        lastSuccessAt: null,
        lastAttemptAt: null,
        pendingCount: 4,
        lastError: { code: 'network', message: 'offline', at: 1 },
        blocked: false,
        nextAttemptAt: null,
      },
      busy: false,
      message: null,
      onSyncNow: vi.fn(),
    },
    ...overrides,
  };
}

describe('popup view', () => {
  it('keeps the sync block, with the reason, when the server stopped sync (it is off)', async () => {
    const stopped = { code: 'device_revoked' as const, message: 'Revoked.', at: 1 };
    const off = { ...STATUS, sync: { ...STATUS.sync, enabled: false } };
    const props = await popupProps();
    expect(renderView(<PopupView {...props} status={off} />).byTestId('sync-status')).toEqual([]);
    const view = renderView(
      <PopupView {...props} status={{ ...off, sync: { ...off.sync, stopped } }} />,
    );
    expect(view.byTestId('sync-stopped')[0]?.textContent).toContain('syncDeviceRevoked()');
  });

  it('shows the exact seeded figures as data attributes', async () => {
    const view = renderView(<PopupView {...(await popupProps())} />);
    const [total] = view.byTestId('today-total');
    expect(total?.getAttribute('data-active-ms')).toBe(String(70 * MIN));
    expect(total?.textContent).toBe('1 hr, 10 min');
    expect(
      view
        .byTestId('site-row')
        .map((r) => [
          r.getAttribute('data-domain'),
          Number(r.getAttribute('data-active-ms')),
          Number(r.getAttribute('data-visits')),
        ]),
    ).toEqual([
      ['docs.example', 40 * MIN, 1],
      ['news.example', 25 * MIN, 3],
      ['mail.example', 5 * MIN, 2],
    ]);
    expect(view.byTestId('pending-count')[0]?.getAttribute('data-count')).toBe('4');
    expect(view.byTestId('sync-status')[0]?.textContent).toContain('syncLastError(offline)');
    expect(view.byTestId('consent-off')).toEqual([]);
  });

  it('draws seven named day bars, one tab stop: today', async () => {
    const view = renderView(<PopupView {...(await popupProps())} />);
    const bars = [...view.root.querySelectorAll('[data-testid="trend-chart"] [data-day]')];
    expect(bars.map((b) => b.getAttribute('data-active-ms'))).toEqual(
      [90, 0, 0, 0, 60, 0, 70].map((m) => String(m * MIN)),
    );
    const named = view.root.querySelectorAll('[data-testid="trend-chart"] [role="img"]');
    expect(named).toHaveLength(7);
    const focusable = view.root.querySelectorAll('[data-testid="trend-chart"] [tabindex="0"]');
    expect(focusable).toHaveLength(1);
    expect(focusable[0]?.getAttribute('aria-label')).toBe('dayBarLabel(Mon 10,1 hr, 10 min)');
    expect(
      view.root.querySelectorAll('[data-testid="trend-chart"] [tabindex="-1"][role="img"]'),
    ).toHaveLength(6);
  });

  it('shows the figures while the trend is read, in a box the size of the chart', async () => {
    const props = await popupProps();
    const view = renderView(<PopupView {...props} stats={{ ...props.stats, week: null }} />);
    expect(view.byTestId('today-total')[0]?.getAttribute('data-active-ms')).toBe(String(70 * MIN));
    expect(view.byTestId('site-row')).toHaveLength(3);
    expect(view.byTestId('trend-chart')).toEqual([]);
    const [pending] = view.byTestId('trend-pending');
    expect(pending?.getAttribute('aria-busy')).toBe('true');
    const pendingBox = pending?.querySelector('svg')?.getAttribute('viewBox');
    const chart = renderView(<PopupView {...props} />).byTestId('trend-chart')[0];
    expect(pendingBox).toBe(chart?.querySelector('svg')?.getAttribute('viewBox'));
    expect(pendingBox).toMatch(/^0 0 \d+ \d+$/);
  });

  it('pauses the current site in one click, and everything with the switch', async () => {
    const props = await popupProps();
    const view = renderView(<PopupView {...props} />);
    const [pause] = view.byTestId('pause-site');
    expect(pause?.getAttribute('aria-pressed')).toBe('false');
    view.click(pause as HTMLElement);
    expect(props.site.onToggleSite).toHaveBeenCalledWith('news.example', true);
    const [all] = view.byTestId('pause-all');
    (all as HTMLInputElement).checked = true;
    view.click(all as HTMLElement);
    expect(props.site.onPauseAll).toHaveBeenCalledWith(true);
  });

  it('keeps its controls focusable while saving, and ignores presses meanwhile', async () => {
    const props = await popupProps();
    const view = renderView(<PopupView {...props} site={{ ...props.site, busy: true }} />);
    for (const id of ['pause-site', 'pause-all']) {
      const [control] = view.byTestId(id);
      // A disabled control drops the keyboard focus to the page.
      expect(control?.hasAttribute('disabled'), id).toBe(false);
      expect(control?.getAttribute('aria-disabled'), id).toBe('true');
      view.click(control as HTMLElement);
    }
    expect(props.site.onToggleSite).not.toHaveBeenCalled();
    expect(props.site.onPauseAll).not.toHaveBeenCalled();
  });

  it('puts the current site and its pause first, and leaves sync out while it is off', async () => {
    const order = (view: { root: HTMLElement }): string[] =>
      [...view.root.querySelectorAll('[data-testid]')].map(
        (el) => el.getAttribute('data-testid') ?? '',
      );
    const on = order(renderView(<PopupView {...(await popupProps())} />));
    expect(on.indexOf('pause-site')).toBeLessThan(on.indexOf('today-total'));
    expect(on.indexOf('pause-all')).toBeLessThan(on.indexOf('today-total'));
    expect(on).toContain('sync-now');
    const status = {
      ...STATUS,
      sync: {
        enabled: false,
        serverUrl: null,
        registered: false,
        stopped: null,
        study: null,
        canLeave: false,
      },
    };
    const off = order(renderView(<PopupView {...(await popupProps({ status }))} />));
    expect(off).not.toContain('sync-now');
    expect(off).not.toContain('pending-count');
    expect(off).toContain('open-options');
  });

  it('offers resume for a paused site and says tracking is off without consent', async () => {
    const status = { ...STATUS, consent: false, pausedSites: ['news.example'] };
    const view = renderView(<PopupView {...(await popupProps({ status }))} />);
    const [pause] = view.byTestId('pause-site');
    expect(pause?.getAttribute('aria-pressed')).toBe('true');
    expect(pause?.textContent).toBe('resumeSite()');
    expect(view.byTestId('consent-off')).toHaveLength(1);
  });
});

describe('welcome view', () => {
  it('asks for consent with both answers and all sync fields', () => {
    const onConsent = vi.fn();
    const view = renderView(
      <WelcomeView
        status={{
          ...STATUS,
          consent: false,
          sync: {
            enabled: false,
            serverUrl: null,
            registered: false,
            stopped: null,
            study: null,
            canLeave: false,
          },
        }}
        answered={false}
        busy={false}
        onConsent={onConsent}
        onLevel={vi.fn()}
        onStatus={vi.fn()}
      />,
    );
    for (const id of [
      'privacy-level',
      'sync-enable',
      'server-url',
      'enrollment-key',
      'sync-save',
    ]) {
      expect(view.byTestId(id), id).toHaveLength(1);
    }
    view.click(view.byTestId('consent-decline')[0] as HTMLElement);
    view.click(view.byTestId('consent-accept')[0] as HTMLElement);
    expect(onConsent.mock.calls).toEqual([[false], [true]]);
    expect(view.byTestId('privacy-level')[0]?.querySelectorAll('option')).toHaveLength(3);
  });
});

describe('welcome view choices', () => {
  const welcome = (consent: boolean, answered: boolean) =>
    renderView(
      <WelcomeView
        status={{ ...STATUS, consent }}
        answered={answered}
        busy={false}
        onConsent={vi.fn()}
        onLevel={vi.fn()}
        onStatus={vi.fn()}
      />,
    );
  const pressed = (view: ReturnType<typeof welcome>, id: string) =>
    view.byTestId(id)[0]?.getAttribute('aria-pressed');

  it('shows the chosen answer as chosen, and only that one', () => {
    const declined = welcome(false, true);
    expect(pressed(declined, 'consent-accept')).toBe('false');
    expect(pressed(declined, 'consent-decline')).toBe('true');
    const accepted = welcome(true, true);
    expect(pressed(accepted, 'consent-accept')).toBe('true');
    expect(pressed(accepted, 'consent-decline')).toBe('false');
    // Both answers look alike until one is chosen (the chosen style keys on aria-pressed).
    const fresh = welcome(false, false);
    expect(fresh.byTestId('consent-accept')[0]?.className).toBe(
      fresh.byTestId('consent-decline')[0]?.className,
    );
    expect(pressed(fresh, 'consent-accept')).toBe('false');
    expect(pressed(fresh, 'consent-decline')).toBe('false');
  });

  it('puts the privacy level beside the consent, and ends with where the toolbar button is', () => {
    const view = welcome(false, false);
    const consent = view.root.querySelector('[aria-labelledby="consent-heading"]');
    expect(consent?.querySelector('[data-testid="privacy-level"]')).not.toBeNull();
    const sections = [...view.root.querySelectorAll('section')];
    expect(sections.at(-1)?.getAttribute('data-testid')).toBe('toolbar-help');
    expect(sections.at(-1)?.textContent).toContain('toolbarText');
  });
});

describe('sync status panel', () => {
  const config = {
    enabled: true,
    serverUrl: 'https://tracksphere.example.org',
    registered: true,
    stopped: null,
    study: null,
    canLeave: true,
  };
  const status: SyncStatus = {
    lastSuccessAt: null,
    lastAttemptAt: null,
    pendingCount: 0,
    lastError: null,
    blocked: false,
    nextAttemptAt: null,
  };
  const panel = (props: Partial<SyncStatusPanelProps>): SyncStatusPanelProps => ({
    config,
    status,
    earlierCount: 3,
    busy: false,
    message: null,
    onSyncNow: vi.fn(),
    ...props,
  });

  it('says "1 visit recorded before sync was on", and "visits" of more', () => {
    vi.spyOn(fakeBrowser.i18n, 'getUILanguage').mockReturnValue('en-US');
    const earlier = (earlierCount: number): string =>
      renderView(<SyncStatusPanel {...panel({ earlierCount, onSendEarlier: vi.fn() })} />).byTestId(
        'earlier-history',
      )[0]?.textContent ?? '';
    expect(earlier(1)).toMatch(/^syncEarlierHistoryOne\(1\)/);
    expect(earlier(2)).toMatch(/^syncEarlierHistory\(2\)/);
  });

  it('offers to send the history recorded while sync was off, and sends it on a click', () => {
    const onSendEarlier = vi.fn();
    const view = renderView(<SyncStatusPanel {...panel({ onSendEarlier })} />);
    expect(view.byTestId('earlier-history')[0]?.getAttribute('data-count')).toBe('3');
    view.click(view.byTestId('send-earlier')[0] as HTMLElement);
    expect(onSendEarlier).toHaveBeenCalledOnce();
  });

  it('says nothing of the last sync or the pending visits until the outbox is read', () => {
    const view = renderView(<SyncStatusPanel {...panel({ status: null })} />);
    const section = view.byTestId('sync-status')[0];
    expect(section?.getAttribute('aria-busy')).toBe('true');
    // Not "never synced" and "0 pending" before the figures are known (the popup reads the
    // outbox after its total shows).
    expect(section?.textContent).not.toContain(t('syncNever'));
    expect(view.byTestId('pending-count')).toEqual([]);
    const read = renderView(<SyncStatusPanel {...panel({})} />);
    expect(read.byTestId('sync-status')[0]?.getAttribute('aria-busy')).toBeNull();
    expect(read.byTestId('pending-count')[0]?.getAttribute('data-count')).toBe('0');
  });

  it('makes no offer with sync off, nothing earlier, or no handler (the popup)', () => {
    const onSendEarlier = vi.fn();
    for (const props of [
      { onSendEarlier, config: { ...config, enabled: false } },
      { onSendEarlier, earlierCount: 0 },
      {},
    ]) {
      const view = renderView(<SyncStatusPanel {...panel(props)} />);
      expect(view.byTestId('sync-now'), 'the panel rendered').toHaveLength(1);
      expect(view.byTestId('send-earlier')).toEqual([]);
    }
  });
});

describe('trend chart keys', () => {
  it('moves between days with the arrow keys, Home and End, within the chart', () => {
    expect(barAfterKey('ArrowLeft', 6, 7)).toBe(5);
    expect(barAfterKey('ArrowLeft', 0, 7)).toBe(0);
    expect(barAfterKey('ArrowRight', 6, 7)).toBe(6);
    expect(barAfterKey('ArrowRight', 2, 7)).toBe(3);
    expect(barAfterKey('Home', 4, 7)).toBe(0);
    expect(barAfterKey('End', 0, 7)).toBe(6);
    expect(barAfterKey('Tab', 3, 7)).toBeNull();
  });
});

describe('trend chart labels', () => {
  const days = ['2025-03-08', '2025-03-09', '2025-03-10'].map((day) => ({
    day,
    activeMs: MIN,
    visits: 1,
  }));
  const labels = (view: { root: HTMLElement }): string[] =>
    [...view.root.querySelectorAll('text.bar-label')].map((el) => el.textContent ?? '');

  it('shows the weekday alone where "Mon 10" would touch its neighbour (the popup)', () => {
    expect(labels(renderView(<TrendChart days={days} width={120} />))).toEqual([
      'Sat',
      'Sun',
      'Mon',
    ]);
  });

  it('shows weekday and date where there is room (the 30-day history)', () => {
    expect(labels(renderView(<TrendChart days={days} width={600} />))).toEqual([
      'Sat 8',
      'Sun 9',
      'Mon 10',
    ]);
  });
});

describe('site list editor', () => {
  it('refuses an entry that names no site, with an error under the field', async () => {
    // Preact renders state changes on the next tick.
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
    const onAdd = vi.fn();
    const view = renderView(
      <SiteListEditor
        testId="paused-sites"
        sites={[]}
        emptyText="none"
        busy={false}
        onAdd={onAdd}
        onRemove={vi.fn()}
      />,
    );
    const input = view.byTestId('paused-sites-input')[0] as HTMLInputElement;
    const win = input.ownerDocument.defaultView as Window & typeof globalThis;
    const form = view.root.querySelector('form') as HTMLFormElement;
    input.value = 'not a site!!';
    input.dispatchEvent(new win.Event('input', { bubbles: true }));
    await settle();
    form.dispatchEvent(new win.Event('submit', { bubbles: true, cancelable: true }));
    await settle();
    expect(onAdd).not.toHaveBeenCalled();
    const [problem] = view.byTestId('paused-sites-problem');
    expect(problem?.className).toBe('error');
    expect(problem?.getAttribute('role')).toBe('alert');
    expect(problem?.textContent).toBe('siteEntryInvalid(not a site!!)');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe('paused-sites-problem');

    input.value = 'www.codeharbor.io';
    input.dispatchEvent(new win.Event('input', { bubbles: true }));
    await settle();
    expect(view.byTestId('paused-sites-problem')).toEqual([]);
    form.dispatchEvent(new win.Event('submit', { bubbles: true, cancelable: true }));
    expect(onAdd).toHaveBeenCalledWith('www.codeharbor.io');
  });
});

describe('notes', () => {
  it('shows an error as an error, announced at once, and the rest as a notice', () => {
    const error = renderView(<NoteLine note={errorNote('Error: offline')} testId="n" />);
    expect(error.byTestId('n')[0]?.className).toBe('error');
    expect(error.byTestId('n')[0]?.getAttribute('role')).toBe('alert');
    const done = renderView(<NoteLine note={note('Saved.')} testId="n" />);
    expect(done.byTestId('n')[0]?.className).toBe('notice');
    expect(done.byTestId('n')[0]?.getAttribute('role')).toBe('status');
  });
});
