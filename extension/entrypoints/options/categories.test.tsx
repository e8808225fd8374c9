import { render } from 'preact';
import { describe, expect, it, vi } from 'vitest';
import { CategoryList, categoryStacks } from '../../components/category-list.js';
import { trackFocus } from '../../components/focus-test-kit.js';
import { type Rendered, renderView, viewTestHooks } from '../../components/ui-test-kit.js';
import { freshTestDb, makeVisit, utcDayOf } from '../../db/db-test-kit.js';
import type { TracksphereDb } from '../../db/index.js';
import type { OpenVisitFigure } from '../../messaging/protocol.js';
import { loadDaySplit } from '../../stats/day-split.js';
import {
  assignCategory,
  type CategorySettings,
  categoryDays,
  categoryTotals,
  createCategory,
  loadHistory,
  loadTrendBefore,
  loadTrendBeforeWithRows,
  siteOfMap,
  todayRollups,
  withOpenVisits,
} from '../../stats/index.js';
import { dbWithVisits } from '../../stats/stats-test-kit.js';
import { CategoriesSection } from './categories-section.js';
import { CategoryContext, type CategoryControls } from './category-controls.js';
import { HistorySection } from './history-section.js';

const MIN = 60_000;
const TODAY = '2025-03-10';
const at = (day: number, hour: number): number => Date.UTC(2025, 2, day, hour);

/**
 * Today: youtube 10 + 5 min (www and m hosts), github 20 min, wikipedia 15 min, own.example 4 min;
 * Mar 8: youtube 30 min, github 60 min. The person made "Study" and moved wikipedia.org to it.
 */
function seeded(): Promise<TracksphereDb> {
  return dbWithVisits([
    makeVisit({ at: at(10, 9), domain: 'www.youtube.com', activeMs: 10 * MIN }),
    makeVisit({ at: at(10, 10), domain: 'm.youtube.com', activeMs: 5 * MIN }),
    makeVisit({ at: at(10, 11), domain: 'github.com', activeMs: 20 * MIN }),
    makeVisit({ at: at(10, 12), domain: 'en.wikipedia.org', activeMs: 15 * MIN }),
    makeVisit({ at: at(10, 13), domain: 'own.example', activeMs: 4 * MIN }),
    makeVisit({ at: at(8, 9), domain: 'www.youtube.com', activeMs: 30 * MIN }),
    makeVisit({ at: at(8, 10), domain: 'github.com', activeMs: 60 * MIN }),
  ]);
}

const created = createCategory({ custom: [], overrides: {} }, 'Study');
const STUDY = created.id;
const SETTINGS: CategorySettings = assignCategory(created.settings, 'wikipedia.org', STUDY);
const SITES = siteOfMap({
  'www.youtube.com': 'youtube.com',
  'm.youtube.com': 'youtube.com',
  'en.wikipedia.org': 'wikipedia.org',
});
/** The page the person is on: 2 min on GitHub so far, not recorded yet. */
const OPEN: OpenVisitFigure[] = [
  { domain: 'github.com', startedAt: at(10, 14), activeMs: 2 * MIN },
];

function rows(view: Rendered): [string | null, number, number][] {
  return view
    .byTestId('category-row')
    .map((r) => [
      r.getAttribute('data-category'),
      Number(r.getAttribute('data-active-ms')),
      Number(r.getAttribute('data-visits')),
    ]);
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

function controls(db: TracksphereDb, overrides: Partial<CategoryControls> = {}): CategoryControls {
  return {
    settings: SETTINGS,
    busy: false,
    message: null,
    onAssign: vi.fn(),
    onCreate: vi.fn(),
    onRename: vi.fn(),
    onDelete: vi.fn(),
    loadDays: (range) =>
      loadDaySplit(
        db,
        range,
        OPEN.map((v) => ({ ...v })),
      ),
    ...overrides,
  };
}

let db: TracksphereDb;
viewTestHooks(() => db);

describe("the popup's categories today", () => {
  it('adds the open visit and follows the person over the list', async () => {
    db = await seeded();
    const today = withOpenVisits(await todayRollups(db, TODAY), OPEN, {
      from: TODAY,
      to: TODAY,
    });
    const view = renderView(
      <CategoryList totals={categoryTotals(today, SETTINGS)} settings={SETTINGS} />,
    );
    expect(rows(view)).toEqual([
      ['development', 22 * MIN, 2],
      // A tie: more visits first.
      ['video', 15 * MIN, 2],
      [STUDY, 15 * MIN, 1],
      ['other', 4 * MIN, 1],
    ]);
    expect(view.root.textContent).toContain('Study');
    expect(view.root.textContent).toContain('category_development()');
  });
});

describe("the popup's trend by category", () => {
  it('reads the earlier days once, for their totals and their split', async () => {
    db = await seeded();
    const { days, rows } = await loadTrendBeforeWithRows(db, TODAY);
    expect(days).toEqual(await loadTrendBefore(db, TODAY));
    expect(days.map((d) => [d.day, d.activeMs])).toEqual([
      ['2025-03-04', 0],
      ['2025-03-05', 0],
      ['2025-03-06', 0],
      ['2025-03-07', 0],
      ['2025-03-08', 90 * MIN],
      ['2025-03-09', 0],
    ]);
    const stacks = categoryStacks(categoryDays(rows, SETTINGS), SETTINGS);
    expect(stacks).toEqual({
      '2025-03-08': [
        { key: 'video', label: 'category_video()', activeMs: 30 * MIN, colour: 4 },
        { key: 'development', label: 'category_development()', activeMs: 60 * MIN, colour: 7 },
      ],
    });
  });
});

describe("the options page's categories", () => {
  async function history() {
    return loadHistory(db, TODAY, 30, OPEN, utcDayOf, async () => SITES);
  }

  it('totals the range from the table’s site rows, and each row shows its category', async () => {
    db = await seeded();
    const view = renderView(
      <CategoryContext.Provider value={controls(db)}>
        <HistorySection history={await history()} />
      </CategoryContext.Provider>,
    );
    expect(rows(view)).toEqual([
      ['development', 82 * MIN, 3],
      ['video', 45 * MIN, 3],
      [STUDY, 15 * MIN, 1],
      ['other', 4 * MIN, 1],
    ]);
    const selects = view.byTestId('site-category') as HTMLSelectElement[];
    expect(
      selects.map((s) => [s.getAttribute('data-site'), s.getAttribute('data-category')]),
    ).toEqual([
      ['github.com', 'development'],
      ['youtube.com', 'video'],
      ['wikipedia.org', STUDY],
      ['own.example', 'other'],
    ]);
    expect(selects[0]?.getAttribute('aria-label')).toBe('siteCategoryLabel(github.com)');
  });

  it('stacks each day of the chart by category, and names the parts', async () => {
    db = await seeded();
    const view = renderView(
      <CategoryContext.Provider value={controls(db)}>
        <HistorySection history={await history()} />
      </CategoryContext.Provider>,
    );
    await vi.waitFor(() => expect(view.root.querySelectorAll('.bar-segment').length).toBe(6));
    const segments = (day: string) =>
      [...view.root.querySelectorAll(`g[data-day="${day}"] .bar-segment`)].map((s) => [
        s.getAttribute('data-segment'),
        Number(s.getAttribute('data-active-ms')),
      ]);
    expect(segments('2025-03-08')).toEqual([
      ['video', 30 * MIN],
      ['development', 60 * MIN],
    ]);
    expect(segments(TODAY)).toEqual([
      ['video', 15 * MIN],
      ['development', 22 * MIN],
      ['other', 4 * MIN],
      [STUDY, 15 * MIN],
    ]);
    const todayBar = view.root.querySelector(`g[data-day="${TODAY}"] .bar-hit`);
    expect(todayBar?.getAttribute('aria-label')).toBe(
      'dayBarStackedLabel(Mon 10,56 min,category_video() 15 min, category_development() 22 min, category_other() 4 min, Study 15 min)',
    );
    // Still one tab stop.
    expect(view.root.querySelectorAll('[tabindex="0"]').length).toBe(1);
  });

  it('stacks the weeks of a long range the same way', async () => {
    db = await seeded();
    const long = await loadHistory(db, TODAY, 90, OPEN, utcDayOf, async () => SITES);
    const view = renderView(
      <CategoryContext.Provider value={controls(db)}>
        <HistorySection history={long} />
      </CategoryContext.Provider>,
    );
    expect(view.byTestId('range-chart')[0]?.getAttribute('data-unit')).toBe('week');
    await vi.waitFor(() => expect(view.root.querySelectorAll('.bar-segment').length).toBe(4));
    const week = view.root.querySelector('[data-testid="range-chart"] g:last-of-type');
    expect([week?.getAttribute('data-from'), week?.getAttribute('data-to')]).toEqual([
      '2025-03-04',
      TODAY,
    ]);
    expect(
      [...(week?.querySelectorAll('.bar-segment') ?? [])].map((s) => [
        s.getAttribute('data-segment'),
        Number(s.getAttribute('data-active-ms')),
      ]),
    ).toEqual([
      ['video', 45 * MIN],
      ['development', 82 * MIN],
      ['other', 4 * MIN],
      [STUDY, 15 * MIN],
    ]);
  });

  it("sends a row's new category", async () => {
    db = await seeded();
    const onAssign = vi.fn();
    const view = renderView(
      <CategoryContext.Provider value={controls(db, { onAssign })}>
        <HistorySection history={await history()} />
      </CategoryContext.Provider>,
    );
    const select = view.byTestId('site-category')[1] as HTMLSelectElement;
    const win = select.ownerDocument.defaultView as Window & typeof globalThis;
    // linkedom's select has a getter only; the browser test changes a real one.
    Object.defineProperty(select, 'value', { value: STUDY });
    select.dispatchEvent(new win.Event('change', { bubbles: true }));
    expect(onAssign).toHaveBeenCalledWith('youtube.com', STUDY);
  });

  it('shows no category column, totals or stacks without categories', async () => {
    db = await seeded();
    const view = renderView(<HistorySection history={await history()} />);
    expect(view.byTestId('category-row')).toEqual([]);
    expect(view.byTestId('site-category')).toEqual([]);
    await settle();
    expect(view.root.querySelectorAll('.bar-segment').length).toBe(0);
  });
});

describe('the Categories section', () => {
  function submit(form: Element | null | undefined): void {
    const win = form?.ownerDocument.defaultView as Window & typeof globalThis;
    form?.dispatchEvent(new win.Event('submit', { bubbles: true, cancelable: true }));
  }
  function type(el: Element | undefined, value: string): void {
    const input = el as HTMLInputElement;
    const win = input.ownerDocument.defaultView as Window & typeof globalThis;
    input.value = value;
    input.dispatchEvent(new win.Event('input', { bubbles: true }));
  }

  it('creates, renames and deletes, and refuses a name already taken', async () => {
    db = freshTestDb();
    const c = controls(db);
    const view = renderView(
      <CategoryContext.Provider value={c}>
        <CategoriesSection />
      </CategoryContext.Provider>,
    );
    const rows = view.byTestId('custom-category');
    expect(rows.map((r) => r.getAttribute('data-name'))).toEqual(['Study']);

    const input = view.byTestId('new-category-input')[0];
    type(input, ' study ');
    await settle();
    submit(input?.closest('form'));
    await settle();
    expect(c.onCreate).not.toHaveBeenCalled();
    expect(view.byTestId('category-message')[0]?.textContent).toBe('categoryNameTaken()');

    type(view.byTestId('new-category-input')[0], 'Hobby');
    await settle();
    submit(view.byTestId('new-category-input')[0]?.closest('form'));
    expect(c.onCreate).toHaveBeenCalledWith('Hobby');

    type(view.byTestId('category-name')[0], 'University');
    await settle();
    submit(view.byTestId('category-name')[0]?.closest('form'));
    expect(c.onRename).toHaveBeenCalledWith(STUDY, 'University');

    view.click(view.byTestId('delete-category')[0] as HTMLElement);
    expect(c.onDelete).toHaveBeenCalledWith(STUDY);
  });

  it('moves the focus to a neighbour when a category goes with its focused Delete', async () => {
    db = freshTestDb();
    let settings = SETTINGS;
    for (const name of ['Hobby', 'Music']) settings = createCategory(settings, name).settings;
    const [study, hobby, music] = settings.custom.map((c) => c.id);
    const c = controls(db, { settings });
    const section = (next: CategorySettings) => (
      <CategoryContext.Provider value={{ ...c, settings: next }}>
        <CategoriesSection />
      </CategoryContext.Provider>
    );
    const view = renderView(section(settings));
    const focus = trackFocus(view);
    const deleteOf = (id: string | undefined): HTMLElement =>
      view
        .byTestId('custom-category')
        .find((r) => r.getAttribute('data-id') === id)
        ?.querySelector('[data-testid="delete-category"]') as HTMLElement;
    /** Delete pressed (the button has the focus, as after the native confirm), then the write. */
    const remove = (id: string | undefined): void => {
      deleteOf(id).focus();
      view.click(deleteOf(id));
      settings = { ...settings, custom: settings.custom.filter((x) => x.id !== id) };
      render(section(settings), view.root);
    };

    remove(study);
    // The next category's Delete, in the place of the one pressed.
    await vi.waitFor(() => expect(focus.active()).toBe(deleteOf(hobby)));
    remove(music);
    // After the last, the one before.
    await vi.waitFor(() => expect(focus.active()).toBe(deleteOf(hobby)));
    remove(hobby);
    // None left: the new category's name.
    await vi.waitFor(() =>
      expect(focus.active()).toBe(view.byTestId('new-category-input')[0] as HTMLElement),
    );
    expect(c.onDelete).toHaveBeenCalledTimes(3);
  });
});
