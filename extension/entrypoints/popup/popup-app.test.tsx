import { describe, expect, it, vi } from 'vitest';
import { renderView, viewTestHooks } from '../../components/ui-test-kit.js';
import { sendMessage, type TrackerStatus } from '../../messaging/protocol.js';
import { categorySettingsItem } from '../../settings/category-items.js';
import { localToday } from '../../stats/index.js';
import { loadPopupData, PopupApp } from './popup-app.js';

vi.mock('../../messaging/protocol.js', () => ({ sendMessage: vi.fn() }));

const STATUS: TrackerStatus = {
  consent: true,
  pausedAll: false,
  level: 'full',
  pausedSites: [],
  allowlistOnly: false,
  allowlist: [],
  idleThresholdSeconds: 60,
  toolbarBadge: true,
  activePage: { tabId: 2, site: 'codeharbor.io', recording: true, reason: null, activeMs: 71_000 },
  openVisits: [],
  sync: {
    enabled: false,
    serverUrl: null,
    registered: false,
    stopped: null,
    study: null,
    canLeave: false,
  },
};

// Unmounted after each test: the popup counts up every second, and a render after the test
// (once fakeI18n is restored) threw an unhandled error in a loaded CI run.
viewTestHooks(() => undefined);

describe('popup app', () => {
  it('counts the open visits and counts up while it is open', async () => {
    const startedAt = Date.now();
    // The background's answer a second later each time: the page the person is on gains time.
    let asked = 0;
    vi.mocked(sendMessage).mockImplementation((async (type: string) => {
      if (type === 'sitesOf') {
        return { 'mail.example.org': 'example.org', 'www.codeharbor.io': 'codeharbor.io' };
      }
      asked += 1;
      const current = 71_000 + (asked - 1) * 1_000;
      return {
        ...STATUS,
        activePage: { ...STATUS.activePage, activeMs: current },
        openVisits: [
          { domain: 'mail.example.org', startedAt, activeMs: 20_000 },
          { domain: 'www.codeharbor.io', startedAt, activeMs: current },
        ],
      };
    }) as never);
    expect(localToday(startedAt)).toBe(localToday());
    const view = renderView(<PopupApp data={loadPopupData()} />);
    const total = async (): Promise<number> => {
      await vi.waitFor(() => expect(view.byTestId('today-total')).toHaveLength(1));
      return Number(view.byTestId('today-total')[0]?.getAttribute('data-active-ms'));
    };
    await vi.waitFor(async () => expect(await total()).toBeGreaterThanOrEqual(91_000));
    // Grouped by site, the name pausing uses; the hosts are the detail.
    expect(view.byTestId('site-row').map((r) => r.getAttribute('data-domain'))).toEqual([
      'codeharbor.io',
      'example.org',
    ]);
    expect(view.byTestId('site-hosts').map((h) => h.textContent)).toEqual([
      'www.codeharbor.io',
      'mail.example.org',
    ]);
    expect(view.root.textContent).not.toContain('noVisitsYet');
    const first = await total();
    await vi.waitFor(async () => expect(await total()).toBeGreaterThan(first), {
      timeout: 3_000,
    });
  });
});

describe("the popup app's categories", () => {
  it("totals today's open visits by category, and follows a change made elsewhere", async () => {
    const startedAt = Date.now();
    vi.mocked(sendMessage).mockImplementation((async (type: string) => {
      if (type === 'sitesOf') return { 'www.youtube.com': 'youtube.com' };
      return {
        ...STATUS,
        openVisits: [
          { domain: 'www.youtube.com', startedAt, activeMs: 30_000 },
          { domain: 'github.com', startedAt, activeMs: 12_000 },
        ],
      };
    }) as never);
    await categorySettingsItem.setValue({ custom: [], overrides: { 'github.com': 'work' } });
    const view = renderView(<PopupApp data={loadPopupData()} />);
    const rows = () =>
      view
        .byTestId('category-row')
        .map((r) => [r.getAttribute('data-category'), Number(r.getAttribute('data-active-ms'))]);
    await vi.waitFor(() =>
      expect(rows()).toEqual([
        ['video', 30_000],
        ['work', 12_000],
      ]),
    );
    // The options page (another page) moves YouTube to a category of the person's own.
    await categorySettingsItem.setValue({
      custom: [{ id: 'custom:1', name: 'Study' }],
      overrides: { 'github.com': 'work', 'youtube.com': 'custom:1' },
    });
    await vi.waitFor(() =>
      expect(rows()).toEqual([
        ['custom:1', 30_000],
        ['work', 12_000],
      ]),
    );
    expect(view.root.textContent).toContain('Study');
  });
});

describe("the popup app's first figures", () => {
  it("shows today's total before the background names the hosts' sites, the top sites after", async () => {
    const startedAt = Date.now();
    // sitesOf answers only when the test lets it: the total must not wait for it.
    let answerSites: (sites: Record<string, string>) => void = () => undefined;
    const sites = new Promise<Record<string, string>>((resolve) => {
      answerSites = resolve;
    });
    vi.mocked(sendMessage).mockImplementation((async (type: string) => {
      if (type === 'sitesOf') return sites;
      return {
        ...STATUS,
        openVisits: [{ domain: 'docs.example.net', startedAt, activeMs: 42_000 }],
      };
    }) as never);
    const view = renderView(<PopupApp data={loadPopupData()} />);
    await vi.waitFor(() =>
      expect(view.byTestId('today-total')[0]?.getAttribute('data-active-ms')).toBe('42000'),
    );
    expect(view.byTestId('sites-pending')).toHaveLength(1);
    expect(view.byTestId('site-row')).toEqual([]);
    answerSites({ 'docs.example.net': 'example.net' });
    await vi.waitFor(() =>
      expect(view.byTestId('site-row').map((r) => r.getAttribute('data-domain'))).toEqual([
        'example.net',
      ]),
    );
    expect(view.byTestId('sites-pending')).toEqual([]);
  });
});
