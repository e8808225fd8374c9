/**
 * The pictures in docs/ are there for the README and the docs to show: each one is shown by
 * one of them (a picture nobody links goes stale unseen), and each picture they show exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const DOCS = join(ROOT, 'docs');
const IMAGE = /\.(png|svg|jpe?g|gif|webp)$/i;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

const pages = [join(ROOT, 'README.md'), ...filesUnder(DOCS).filter((f) => f.endsWith('.md'))];

/** Every local picture a page shows (![alt](path) or <img src="path">), as an absolute path. */
function shownBy(page: string): string[] {
  const text = readFileSync(page, 'utf8');
  const links = [
    ...[...text.matchAll(/!\[[^\]]*\]\(([^)\s]+)[^)]*\)/g)].map((m) => m[1] ?? ''),
    ...[...text.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1] ?? ''),
  ];
  return links
    .filter((link) => !/^[a-z]+:/i.test(link))
    .map((link) => resolve(dirname(page), decodeURI(link.split('#')[0] ?? '')));
}

describe('pictures in docs/', () => {
  const shown = new Map(pages.map((page) => [page, shownBy(page)]));

  it('each is shown by the README or a doc', () => {
    const all = new Set([...shown.values()].flat());
    expect(all.size, 'pictures found in the pages').toBeGreaterThan(0);
    const unshown = filesUnder(DOCS)
      .filter((file) => IMAGE.test(file) && !all.has(file))
      .map((file) => relative(ROOT, file));
    expect(unshown).toEqual([]);
  });

  it('each picture shown exists', () => {
    const missing = [...shown].flatMap(([page, images]) =>
      images
        .filter((image) => !existsSync(image))
        .map((image) => `${relative(ROOT, page)}: ${relative(ROOT, image)}`),
    );
    expect(missing).toEqual([]);
  });
});
