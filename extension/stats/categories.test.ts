import { getDomain } from 'tldts';
import { describe, expect, it } from 'vitest';
import { EMPTY_CATEGORY_SETTINGS } from '../settings/category-items.js';
import {
  assignCategory,
  BUILT_IN_CATEGORIES,
  builtInCategoryOf,
  builtInEntries,
  type CategorySettings,
  categoryNameProblem,
  categoryOf,
  createCategory,
  deleteCategory,
  renameCategory,
} from './categories.js';
import list from './category-domains.json' with { type: 'json' };
import { categoryDays, categoryTotals } from './category-totals.js';

const NONE = EMPTY_CATEGORY_SETTINGS;

describe('the built-in list', () => {
  const lists = Object.entries(list.categories);

  it('has the ten categories, at least 300 domains, and says where it comes from', () => {
    expect(Object.keys(list.categories)).toEqual([...BUILT_IN_CATEGORIES]);
    expect(builtInEntries().length).toBeGreaterThanOrEqual(300);
    expect(list.about.source).toMatch(/Tracksphere authors/);
    expect(list.about.licence).toMatch(/^MIT/);
  });

  it('names each domain once, as its registrable domain, in lower case', () => {
    const all = lists.flatMap(([, domains]) => domains);
    expect(new Set(all).size).toBe(all.length);
    for (const domain of all) expect(getDomain(domain), domain).toBe(domain);
  });
});

describe('categoryOf', () => {
  it('finds a site, and its subdomains, in the built-in list', () => {
    expect(categoryOf('youtube.com', NONE)).toBe('video');
    expect(categoryOf('www.youtube.com', NONE)).toBe('video');
    expect(categoryOf('M.YouTube.com.', NONE)).toBe('video');
    expect(categoryOf('news.bbc.co.uk', NONE)).toBe('news');
    expect(categoryOf('github.com', NONE)).toBe('development');
  });

  it('puts sites the list does not have in "other"', () => {
    expect(categoryOf('my-own-blog.example', NONE)).toBe('other');
    // A name that merely ends like a listed one is another site.
    expect(categoryOf('notyoutube.com', NONE)).toBe('other');
  });

  it("takes the person's choice over the list, for the site and its subdomains", () => {
    const settings = assignCategory(NONE, 'youtube.com', 'work');
    expect(settings.overrides).toEqual({ 'youtube.com': 'work' });
    expect(categoryOf('youtube.com', settings)).toBe('work');
    expect(categoryOf('music.youtube.com', settings)).toBe('work');
    expect(categoryOf('vimeo.com', settings)).toBe('video');
    expect(categoryOf('intranet.example', assignCategory(NONE, 'intranet.example', 'work'))).toBe(
      'work',
    );
  });

  it('drops the choice when a site goes back to its built-in category', () => {
    const moved = assignCategory(NONE, 'youtube.com', 'work');
    expect(assignCategory(moved, 'youtube.com', 'video').overrides).toEqual({});
    expect(() => assignCategory(NONE, 'youtube.com', 'custom:9')).toThrow(/No category/);
  });

  it('ignores a choice of a category that no longer exists', () => {
    const stale: CategorySettings = { custom: [], overrides: { 'youtube.com': 'custom:1' } };
    expect(categoryOf('youtube.com', stale)).toBe('video');
  });
});

describe("the person's categories", () => {
  it('creates categories with their own ids and refuses empty, long or taken names', () => {
    const first = createCategory(NONE, '  Study ');
    expect(first.id).toBe('custom:1');
    const second = createCategory(first.settings, 'Hobby');
    expect(second.id).toBe('custom:2');
    expect(second.settings.custom).toEqual([
      { id: 'custom:1', name: 'Study' },
      { id: 'custom:2', name: 'Hobby' },
    ]);
    expect(categoryNameProblem(second.settings, ' ')).toBe('empty');
    expect(categoryNameProblem(second.settings, 'x'.repeat(41))).toBe('tooLong');
    expect(categoryNameProblem(second.settings, 'study')).toBe('taken');
    expect(categoryNameProblem(second.settings, 'STUDY', 'custom:1')).toBeNull();
    expect(() => createCategory(second.settings, 'hobby')).toThrow(/taken/);
  });

  it('keeps the sites of a renamed category in it', () => {
    const { settings, id } = createCategory(NONE, 'Study');
    const assigned = assignCategory(settings, 'wikipedia.org', id);
    const renamed = renameCategory(assigned, id, 'University');
    expect(renamed.custom).toEqual([{ id, name: 'University' }]);
    expect(categoryOf('en.wikipedia.org', renamed)).toBe(id);
  });

  it('moves the sites of a deleted category back to their built-in categories', () => {
    const study = createCategory(NONE, 'Study');
    const hobby = createCategory(study.settings, 'Hobby');
    let settings = assignCategory(hobby.settings, 'wikipedia.org', study.id);
    settings = assignCategory(settings, 'own.example', study.id);
    settings = assignCategory(settings, 'youtube.com', hobby.id);
    settings = assignCategory(settings, 'github.com', 'entertainment');
    const after = deleteCategory(settings, study.id);
    expect(after.custom).toEqual([{ id: hobby.id, name: 'Hobby' }]);
    expect(after.overrides).toEqual({ 'youtube.com': hobby.id, 'github.com': 'entertainment' });
    expect(categoryOf('wikipedia.org', after)).toBe('reference');
    expect(categoryOf('own.example', after)).toBe('other');
    // The freed id is given again; nothing points to it any more.
    expect(createCategory(after, 'New').id).toBe(study.id);
    expect(builtInCategoryOf('youtube.com')).toBe('video');
  });
});

describe('figures by category', () => {
  const MIN = 60_000;
  const rows = [
    { day: '2025-03-09', domain: 'www.youtube.com', activeMs: 30 * MIN, visits: 2 },
    { day: '2025-03-10', domain: 'youtube.com', activeMs: 10 * MIN, visits: 1 },
    { day: '2025-03-10', domain: 'github.com', activeMs: 25 * MIN, visits: 3 },
    { day: '2025-03-10', domain: 'own.example', activeMs: 5 * MIN, visits: 1 },
    { day: '2025-03-10', domain: 'vimeo.com', activeMs: 0, visits: 1 },
  ];

  it('adds up active time and visits per category, busiest first', () => {
    expect(categoryTotals(rows, NONE)).toEqual([
      { category: 'video', activeMs: 40 * MIN, visits: 4 },
      { category: 'development', activeMs: 25 * MIN, visits: 3 },
      { category: 'other', activeMs: 5 * MIN, visits: 1 },
    ]);
  });

  it('relabels every day when a site moves', () => {
    const { settings, id } = createCategory(NONE, 'Fun');
    const moved = assignCategory(settings, 'youtube.com', id);
    expect(categoryTotals(rows, moved)).toEqual([
      { category: id, activeMs: 40 * MIN, visits: 3 },
      { category: 'development', activeMs: 25 * MIN, visits: 3 },
      { category: 'other', activeMs: 5 * MIN, visits: 1 },
      { category: 'video', activeMs: 0, visits: 1 },
    ]);
    expect(categoryDays(rows, moved)).toEqual({
      '2025-03-09': [{ category: id, activeMs: 30 * MIN }],
      '2025-03-10': [
        { category: 'development', activeMs: 25 * MIN },
        { category: 'other', activeMs: 5 * MIN },
        { category: id, activeMs: 10 * MIN },
      ],
    });
  });
});
