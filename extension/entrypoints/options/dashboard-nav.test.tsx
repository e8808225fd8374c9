import { describe, expect, it, vi } from 'vitest';
import { renderView, viewTestHooks } from '../../components/ui-test-kit.js';
import { DashboardNav, useSection } from './dashboard-nav.js';

/** The page's window as useSection reads it: its hash and hashchange events. */
class FakeWindow extends EventTarget {
  location = { hash: '#settings' };
  /** As the browser moves: the hash, then its hashchange event. */
  move(hash: string): void {
    this.location.hash = hash;
    this.dispatchEvent(new Event('hashchange'));
  }
}

function Nav(): preact.JSX.Element {
  return <DashboardNav current={useSection()} />;
}

viewTestHooks(() => undefined);

describe("the options page's section (useSection)", () => {
  function shown(): { win: FakeWindow; current: () => string | null | undefined } {
    const win = new FakeWindow();
    vi.stubGlobal('window', win);
    const view = renderView(<Nav />);
    return {
      win,
      current: () => view.root.querySelector('[aria-current="page"]')?.getAttribute('href'),
    };
  }

  it('follows a move made as the page shows, before its hashchange listener is there', async () => {
    const { win, current } = shown();
    expect(current()).toBe('#settings');
    // A link clicked (or a test's hash set) between the first paint and the effects: its event
    // has fired by the time the listener comes.
    win.move('#sites');
    await vi.waitFor(() => expect(current()).toBe('#sites'));
  });

  it('follows later moves, and stays on its section without one', async () => {
    const { win, current } = shown();
    // The effects have run: the listener is there.
    await new Promise((r) => setTimeout(r, 200));
    expect(current()).toBe('#settings');
    win.move('#when');
    await vi.waitFor(() => expect(current()).toBe('#when'));
    // A hash that names no section (a skip link's) leaves the section shown.
    win.move('#section-when');
    await new Promise((r) => setTimeout(r, 50));
    expect(current()).toBe('#when');
  });
});
