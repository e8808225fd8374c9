import { useState } from 'preact/hooks';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { trackFocus } from '../../components/focus-test-kit.js';
import { errorNote } from '../../components/note.js';
import { fakeI18n, type Rendered, renderView } from '../../components/ui-test-kit.js';
import { formatDay } from '../../stats/format-duration.js';
import type { HistoryStats } from '../../stats/index.js';
import { type EraseControls, EraseRangeSection, eraseResultNote } from './erase-history.js';
import { HistorySection } from './history-section.js';

const HISTORY: HistoryStats = {
  from: '2025-01-01',
  to: '2025-01-30',
  totalActiveMs: 3000,
  totalVisits: 3,
  days: [],
  sites: [
    { domain: 'example.com', activeMs: 2000, visits: 2, share: 1, hosts: [] },
    { domain: 'other.org', activeMs: 1000, visits: 1, share: 0.5, hosts: [] },
  ],
};

function controls(overrides: Partial<EraseControls> = {}): EraseControls {
  return {
    busy: false,
    message: null,
    registered: false,
    onEraseSite: vi.fn(),
    onEraseRange: vi.fn(),
    ...overrides,
  };
}

function one(view: Rendered, id: string): HTMLElement {
  const [el] = view.byTestId(id);
  if (el === undefined) throw new Error(`no ${id}`);
  return el;
}

function type(el: HTMLElement, value: string): void {
  const input = el as HTMLInputElement;
  const win = input.ownerDocument.defaultView as Window & typeof globalThis;
  input.value = value;
  input.dispatchEvent(new win.Event('input', { bubbles: true }));
}

/** Preact renders state changes on the next tick. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

beforeEach(() => fakeI18n());

describe("a site row's erase button", () => {
  it('asks first, names the site (and the server when registered), and erases on yes only', async () => {
    const erase = controls({ registered: true });
    const view = renderView(<HistorySection history={HISTORY} erase={erase} />);
    const buttons = view.byTestId('erase-site');
    expect(buttons).toHaveLength(2);
    expect(buttons[1]?.getAttribute('aria-label')).toBe('eraseSiteLabel(other.org)');
    expect(view.byTestId('erase-confirm')).toEqual([]);

    view.click(buttons[0] as HTMLElement);
    await settle();
    expect(one(view, 'erase-confirm').textContent).toContain('eraseSiteConfirm(example.com)');
    expect(one(view, 'erase-confirm').textContent).toContain('eraseOnServerToo()');
    view.click(one(view, 'erase-confirm-no'));
    await settle();
    expect(view.byTestId('erase-confirm')).toEqual([]);
    expect(erase.onEraseSite).not.toHaveBeenCalled();

    view.click(buttons[0] as HTMLElement);
    await settle();
    view.click(one(view, 'erase-confirm-yes'));
    await settle();
    expect(erase.onEraseSite).toHaveBeenCalledWith('example.com');
    expect(view.byTestId('erase-confirm')).toEqual([]);
  });

  const THREE: HistoryStats = {
    ...HISTORY,
    sites: [
      ...HISTORY.sites,
      { domain: 'third.net', activeMs: 500, visits: 1, share: 0.25, hosts: [] },
    ],
  };
  const eraseOf = (view: Rendered, site: string): HTMLElement =>
    view
      .byTestId('erase-site')
      .find((b) => b.closest('tr')?.getAttribute('data-domain') === site) as HTMLElement;

  it('asks in a row under the site that asked, with the focus on Cancel', async () => {
    const view = renderView(<HistorySection history={THREE} erase={controls()} />);
    const focus = trackFocus(view);
    view.click(eraseOf(view, 'other.org'));
    await settle();
    const question = one(view, 'erase-confirm');
    // In the table, right under the row: where the person is looking, not under 100 rows.
    expect(question.closest('tr')?.previousElementSibling?.getAttribute('data-domain')).toBe(
      'other.org',
    );
    // Across the whole row (linkedom keeps the attribute's name as Preact spells it).
    expect(question.closest('td')?.outerHTML).toMatch(/^<td colspan="5">/i);
    expect(focus.active()).toBe(one(view, 'erase-confirm-no'));
    // Asked again from its row (the focus had moved on): the question takes it again.
    eraseOf(view, 'other.org').focus();
    view.click(eraseOf(view, 'other.org'));
    await settle();
    expect(focus.active()).toBe(one(view, 'erase-confirm-no'));
  });

  it("gives the focus back to the row's Erase on Cancel and on Escape", async () => {
    const erase = controls();
    const view = renderView(<HistorySection history={THREE} erase={erase} />);
    const focus = trackFocus(view);
    view.click(eraseOf(view, 'other.org'));
    await settle();
    view.click(one(view, 'erase-confirm-no'));
    await settle();
    expect(view.byTestId('erase-confirm')).toEqual([]);
    expect(focus.active()).toBe(eraseOf(view, 'other.org'));

    view.click(eraseOf(view, 'other.org'));
    await settle();
    focus.key(one(view, 'erase-confirm'), 'Escape');
    await settle();
    expect(view.byTestId('erase-confirm')).toEqual([]);
    expect(focus.active()).toBe(eraseOf(view, 'other.org'));
    expect(erase.onEraseSite).not.toHaveBeenCalled();
  });

  it("moves the focus to the next site's Erase on Erase (the previous one's after the last)", async () => {
    const erase = controls();
    const view = renderView(<HistorySection history={THREE} erase={erase} />);
    const focus = trackFocus(view);
    view.click(eraseOf(view, 'other.org'));
    await settle();
    view.click(one(view, 'erase-confirm-yes'));
    await settle();
    expect(erase.onEraseSite).toHaveBeenCalledWith('other.org');
    expect(focus.active()).toBe(eraseOf(view, 'third.net'));

    view.click(eraseOf(view, 'third.net'));
    await settle();
    view.click(one(view, 'erase-confirm-yes'));
    await settle();
    expect(focus.active()).toBe(eraseOf(view, 'other.org'));
  });

  it('moves the focus to the site search when the only site is erased', async () => {
    const only: HistoryStats = { ...HISTORY, sites: HISTORY.sites.slice(0, 1) };
    const view = renderView(<HistorySection history={only} erase={controls()} />);
    const focus = trackFocus(view);
    view.click(one(view, 'erase-site'));
    await settle();
    view.click(one(view, 'erase-confirm-yes'));
    await settle();
    expect(focus.active()).toBe(one(view, 'site-search'));
  });

  it('says nothing of the server when the browser is not registered', async () => {
    const view = renderView(<HistorySection history={HISTORY} erase={controls()} />);
    view.click(one(view, 'erase-site'));
    await settle();
    expect(one(view, 'erase-confirm').textContent).not.toContain('eraseOnServerToo');
  });

  it('is not there without erase controls', () => {
    const view = renderView(<HistorySection history={HISTORY} />);
    expect(view.byTestId('erase-site')).toEqual([]);
  });

  it("shows a site erase's outcome under the table", () => {
    const note = eraseResultNote({ localVisits: 2, server: { deletedVisits: 5 } });
    const view = renderView(
      <HistorySection history={HISTORY} erase={controls({ message: { note, kind: 'site' } })} />,
    );
    expect(one(view, 'erase-site-message').textContent).toBe('eraseDoneServer(2,5)');
  });
});

/** 60 sites, most time first: row 50 is far down the table. */
const SIXTY: HistoryStats = {
  ...HISTORY,
  sites: Array.from({ length: 60 }, (_, i) => ({
    domain: `site-${i}.example`,
    activeMs: 60_000 - i,
    visits: 1,
    share: 0.5,
    hosts: [],
  })),
};

/**
 * The sites' table with the page's erase: the outcome comes after the question goes (a tick
 * later), then the figures come back without the site, as useHistoryErase and the page do.
 */
function ErasingTable(props: { outcome: EraseControls['message'] }) {
  const [history, setHistory] = useState(SIXTY);
  const [message, setMessage] = useState<EraseControls['message']>(null);
  const [busy, setBusy] = useState(false);
  const erase = controls({
    busy,
    message,
    onEraseSite: (site) => {
      setBusy(true);
      setMessage(null);
      setTimeout(() => {
        setMessage(props.outcome === null ? null : { ...props.outcome, site });
        setTimeout(() => {
          setHistory({ ...history, sites: history.sites.filter((s) => s.domain !== site) });
          setBusy(false);
        }, 5);
      }, 5);
    },
  });
  return <HistorySection history={history} erase={erase} />;
}

describe("a site erase's outcome", () => {
  const rowOf = (el: Element | null | undefined): Element | null | undefined => el?.closest('tr');
  const siteAfter = (el: Element | null | undefined): string | null | undefined =>
    rowOf(el)?.nextElementSibling?.getAttribute('data-domain');

  it("is told where the site's row was, in a status region there before it comes", async () => {
    const note = eraseResultNote({ localVisits: 7, server: null });
    const view = renderView(<ErasingTable outcome={{ note, kind: 'site' }} />);
    const focus = trackFocus(view);
    const eraseOf = (site: string) =>
      view
        .byTestId('erase-site')
        .find((b) => b.closest('tr')?.getAttribute('data-domain') === site) as HTMLElement;
    view.click(eraseOf('site-50.example'));
    await settle();
    view.click(one(view, 'erase-confirm-yes'));
    await settle();
    // The focus goes on to the next site's Erase, as before.
    expect(focus.active()).toBe(eraseOf('site-51.example'));
    // Under the erased site's row, before the outcome: an empty live region, announced when
    // it fills.
    const status = one(view, 'erase-site-status');
    expect(status.getAttribute('role')).toBe('status');
    expect(status.textContent).toBe('');
    expect(rowOf(status)?.previousElementSibling?.getAttribute('data-domain')).toBe(
      'site-50.example',
    );
    await vi.waitFor(() => expect(status.textContent).toBe('eraseDone(7)'));
    // The figures come back without the site: the outcome stays where its row was, right above
    // the focused Erase, in the same region; nothing under the table.
    await vi.waitFor(() => expect(view.byTestId('site-row')).toHaveLength(59));
    expect(one(view, 'erase-site-status')).toBe(status);
    expect(siteAfter(status)).toBe('site-51.example');
    expect(rowOf(status)?.previousElementSibling?.getAttribute('data-domain')).toBe(
      'site-49.example',
    );
    expect(view.byTestId('erase-site-message')).toEqual([status.firstElementChild]);
    expect(focus.active()).toBe(eraseOf('site-51.example'));
    // The next question takes its place.
    view.click(eraseOf('site-51.example'));
    await settle();
    expect(view.byTestId('erase-site-status')).toEqual([]);
  });

  it('tells an error there too, as one', async () => {
    const view = renderView(
      <ErasingTable outcome={{ note: errorNote('eraseFailed'), kind: 'site' }} />,
    );
    view.click(view.byTestId('erase-site')[50] as HTMLElement);
    await settle();
    view.click(one(view, 'erase-confirm-yes'));
    await vi.waitFor(() => expect(view.byTestId('site-row')).toHaveLength(59));
    const message = one(view, 'erase-site-message');
    expect(message.getAttribute('data-error')).toBe('true');
    expect(siteAfter(message.parentElement)).toBe('site-51.example');
  });
});

describe('erasing a range of days', () => {
  it('erases the chosen days after a confirmation', async () => {
    const erase = controls();
    const view = renderView(<EraseRangeSection controls={erase} today="2025-01-30" />);
    type(one(view, 'erase-from'), '2025-01-14');
    type(one(view, 'erase-to'), '2025-01-15');
    await settle();
    view.click(one(view, 'erase-range'));
    await settle();
    expect(one(view, 'erase-confirm').textContent).toContain(
      `eraseRangeConfirm(${formatDay('2025-01-14')},${formatDay('2025-01-15')})`,
    );
    expect(erase.onEraseRange).not.toHaveBeenCalled();
    view.click(one(view, 'erase-confirm-yes'));
    await settle();
    expect(erase.onEraseRange).toHaveBeenCalledWith('2025-01-14', '2025-01-15');
  });

  it("takes the focus, and gives it back to the range's Erase on Cancel and Escape", async () => {
    const erase = controls();
    const view = renderView(<EraseRangeSection controls={erase} today="2025-01-30" />);
    const focus = trackFocus(view);
    view.click(one(view, 'erase-range'));
    await settle();
    expect(focus.active()).toBe(one(view, 'erase-confirm-no'));
    // Pressed again while asking (the focus had moved on): the question takes it again.
    one(view, 'erase-range').focus();
    view.click(one(view, 'erase-range'));
    await settle();
    expect(focus.active()).toBe(one(view, 'erase-confirm-no'));
    view.click(one(view, 'erase-confirm-no'));
    await settle();
    expect(view.byTestId('erase-confirm')).toEqual([]);
    expect(focus.active()).toBe(one(view, 'erase-range'));

    view.click(one(view, 'erase-range'));
    await settle();
    focus.key(one(view, 'erase-confirm'), 'Escape');
    await settle();
    expect(view.byTestId('erase-confirm')).toEqual([]);
    expect(focus.active()).toBe(one(view, 'erase-range'));
    expect(erase.onEraseRange).not.toHaveBeenCalled();
  });

  it('moves the focus to the line that tells the outcome on Erase', async () => {
    const erase = controls();
    const view = renderView(<EraseRangeSection controls={erase} today="2025-01-30" />);
    const focus = trackFocus(view);
    view.click(one(view, 'erase-range'));
    await settle();
    view.click(one(view, 'erase-confirm-yes'));
    await settle();
    expect(erase.onEraseRange).toHaveBeenCalled();
    const status = one(view, 'erase-range-status');
    expect(focus.active()).toBe(status);
    // Focusable, though not in the Tab order.
    expect(status.tabIndex).toBe(-1);
  });

  it('refuses a range that ends before it starts, and asks nothing', async () => {
    const erase = controls();
    const view = renderView(<EraseRangeSection controls={erase} today="2025-01-30" />);
    type(one(view, 'erase-from'), '2025-01-15');
    type(one(view, 'erase-to'), '2025-01-14');
    await settle();
    view.click(one(view, 'erase-range'));
    await settle();
    expect(view.byTestId('erase-confirm')).toEqual([]);
    expect(one(view, 'erase-range-invalid').textContent).toBe('eraseRangeInvalid()');
    expect(erase.onEraseRange).not.toHaveBeenCalled();
  });

  it('ignores presses while an erase is running', async () => {
    const erase = controls({ busy: true });
    const view = renderView(<EraseRangeSection controls={erase} today="2025-01-30" />);
    view.click(one(view, 'erase-range'));
    await settle();
    expect(view.byTestId('erase-confirm')).toEqual([]);
  });

  it('words what happened here and on the server', () => {
    expect(eraseResultNote({ localVisits: 3, server: null })).toEqual({
      text: 'eraseDone(3)',
      error: false,
    });
    expect(eraseResultNote({ localVisits: 3, server: { error: 'offline' } })).toEqual({
      text: 'eraseServerLater(3,offline)',
      error: true,
    });
    // One visit in the singular, whichever way it went.
    expect(
      [
        eraseResultNote({ localVisits: 1, server: null }),
        eraseResultNote({ localVisits: 1, server: { error: 'offline' } }),
        eraseResultNote({ localVisits: 1, server: { deletedVisits: 4 } }),
      ].map((n) => n.text),
    ).toEqual(['eraseDoneOne(1)', 'eraseServerLaterOne(1,offline)', 'eraseDoneServerOne(1,4)']);
  });
});
