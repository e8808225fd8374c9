/**
 * Importing from the options page in Chromium and Firefox ESR: a file chosen in the file input is read and
 * written by the import worker; the result, the list of records left out, and the history
 * figures follow. The same file twice adds nothing; a damaged file changes nothing.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtensionBrowser } from '../harness/browsers.js';
import { waitFor } from '../harness/client.js';
import {
  openExtensionPage,
  readRangeWindows,
  readVisits,
  siteRows,
} from '../harness/extension-pages.js';
import {
  axeViolationIds as axeViolations,
  BROWSERS,
  launchRecording,
  showSection,
} from './extension-test-kit.js';

const AW_FIXTURE = fileURLToPath(
  new URL('../../extension/import/fixtures/activitywatch-export.json', import.meta.url),
);
/** Events of 1e300 seconds, in the year 275760, "1" for a time: once the whole file failed. */
const AW_HOSTILE = fileURLToPath(
  new URL('../../extension/import/fixtures/hostile/activitywatch-export.json', import.meta.url),
);

interface ImportResult {
  imported: number;
  skipped: number;
  reasons: string[];
}

describe.each(BROWSERS)('importing from the options page in $name', ({ dir: build, launch }) => {
  let eb: ExtensionBrowser;
  let options: Page;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tracksphere-import-'));
    // The fixture is from 2024: a retention of ten years keeps its visits (a shorter one
    // counts them in the daily figures only, as if pruned).
    ({ eb, page: options } = await launchRecording(build, launch, {
      storage: { retentionDays: 3650 },
    }));
    await openExtensionPage(options, `${eb.extensionUrl}options.html#data`);
    await options.waitForSelector('[data-testid="import-file"]');
  }, 60_000);

  afterAll(async () => {
    await eb?.close();
  });

  /** Chooses a file in the input and waits for a new result (or error) to show. */
  async function importFile(path: string): Promise<ImportResult | { error: string }> {
    await showSection(options, 'data');
    await options.waitForSelector('[data-testid="import-file"]');
    await options.evaluate(() => {
      for (const el of document.querySelectorAll('[data-testid="import-result"]')) el.remove();
      for (const el of document.querySelectorAll('[data-testid="import-error"]')) el.remove();
    });
    const input = (await options.$(
      '[data-testid="import-file"]',
    )) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(path);
    const shown = await options.waitForSelector(
      '[data-testid="import-result"], [data-testid="import-error"]',
      { timeout: 20_000 },
    );
    return (await shown?.evaluate((el) =>
      el.getAttribute('data-testid') === 'import-error'
        ? { error: el.textContent ?? '' }
        : {
            imported: Number(el.getAttribute('data-imported')),
            skipped: Number(el.getAttribute('data-skipped')),
            reasons: [...el.querySelectorAll('li')].map(
              (li) => li.getAttribute('data-reason') ?? '',
            ),
          },
    )) as ImportResult | { error: string };
  }

  /** The site's row in the Sites section (the page then goes back to Your data). */
  async function figure(domain: string): Promise<[number, number] | undefined> {
    await showSection(options, 'sites');
    await options.waitForSelector(`[data-testid="site-row"][data-domain="${domain}"]`);
    const row = (await siteRows(options)).find((r) => r.domain === domain);
    await showSection(options, 'data');
    return row === undefined ? undefined : [row.activeMs, row.visits];
  }

  it('imports a Web Activity Time Tracker backup of today into the history, once', async () => {
    const today = await options.evaluate(() => new Date().toLocaleDateString('en-US'));
    const backup = join(dir, 'backup.json');
    // Its backup() writes JSON.stringify of its Tab objects (fields in class order).
    await writeFile(
      backup,
      JSON.stringify([
        {
          url: 'github.com',
          favicon: '',
          summaryTime: 3600,
          counter: 4,
          days: [{ counter: 4, date: today, summary: 3600 }],
        },
        {
          url: 'example.org',
          favicon: '',
          summaryTime: 90,
          counter: 2,
          days: [{ counter: 2, date: today, summary: 90 }],
        },
        {
          url: 'file:///home/me/notes.html',
          favicon: '',
          summaryTime: 5,
          counter: 1,
          days: [{ counter: 1, date: today, summary: 5 }],
        },
      ]),
    );
    const yearWindow = async () => (await readRangeWindows(options)).find((w) => w.span === 365);
    expect(await yearWindow()).toBeUndefined();
    expect(await importFile(backup)).toEqual({ imported: 2, skipped: 1, reasons: ['not_web'] });
    // The worker, once it has answered, builds the long ranges: their first view reads them.
    await waitFor(async () => (await yearWindow()) !== undefined, 'the 12-month window built');
    expect(await figure('github.com')).toEqual([3_600_000, 4]);
    expect(await figure('example.org')).toEqual([90_000, 2]);

    expect(await importFile(backup)).toEqual({
      imported: 0,
      skipped: 3,
      reasons: ['not_web', 'already_imported', 'already_imported'],
    });
    expect(await figure('github.com')).toEqual([3_600_000, 4]);
  });

  it('imports an ActivityWatch export as local visits, redacted', async () => {
    expect(await importFile(AW_FIXTURE)).toEqual({
      imported: 3,
      skipped: 3,
      reasons: ['bad_date', 'not_web', 'private_window'],
    });
    // The result with its list of records left out, opened, passes axe-core.
    await options.click('[data-testid="import-result"] summary');
    await options.waitForSelector('[data-testid="import-skipped"] li', { visible: true });
    expect(await axeViolations(options)).toEqual([]);
    const visits = await readVisits(options);
    expect(visits.map((v) => [v.url, v.syncState]).sort()).toEqual([
      ['https://github.com/ActivityWatch', 'local'],
      ['https://github.com/sheepzh/time-tracker-4-browser?tab=readme-ov-file', 'local'],
      ['https://www.youtube.com/watch?v=dQw4w9WgXcQ', 'local'],
    ]);
  });

  it('refuses a damaged file and changes nothing', async () => {
    const damaged = join(dir, 'damaged.json');
    await writeFile(damaged, '[{"url":"github.com","favicon":"","summaryTime":36');
    const result = await importFile(damaged);
    expect(result).toMatchObject({ error: expect.stringContaining('damaged') });
    expect(await figure('github.com')).toEqual([3_600_000, 4]);
    expect(await readVisits(options)).toHaveLength(3);
  });

  it('imports what is sound of a hostile ActivityWatch file, each record left out with its reason', async () => {
    expect(await importFile(AW_HOSTILE)).toEqual({
      imported: 2,
      skipped: 9,
      reasons: [
        'bad_date',
        'bad_date',
        'bad_date',
        'bad_date',
        'bad_date',
        'bad_time',
        'bad_date',
        'bad_date',
        'bad_time',
      ],
    });
    const reasons = await options.$$eval('[data-testid="import-skipped"] li', (items) =>
      items.map((li) => li.textContent ?? ''),
    );
    expect(reasons[5]).toContain('more than a day holds');
  });
});
