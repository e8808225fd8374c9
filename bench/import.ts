/**
 * A large import in Chromium (issue 17): an ActivityWatch export of 200,000 aw-watcher-web
 * events (two years of a heavy user: one event every 5 minutes over 400 sites) chosen in the
 * options page's file input. Prints the time from choosing the file to the result, the
 * records imported, and how the page's main thread fared meanwhile: the longest gap between
 * 16 ms timer ticks and the long tasks (over 50 ms) the browser reported.
 *
 *   npm run build && npx tsx bench/import.ts
 *
 * BENCH_IMPORT_EVENTS (200000), BENCH_IMPORT_RETENTION_DAYS (3650: every visit stored; with
 * the default 90 the older ones count in the daily figures only), BENCH_EXT_DIR (import with
 * that chrome-mv3 build instead of .output/chrome-mv3, e.g. a copy made before a change).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ElementHandle } from 'puppeteer-core';
import { closeInstallWelcomeTab, launchChromiumWithExtension } from '../test/harness/browsers.js';
import { stableBuildDir } from '../test/harness/extension-builds.js';
import { openExtensionPage, setStorageValues } from '../test/harness/extension-pages.js';

const EVENTS = Number(process.env.BENCH_IMPORT_EVENTS ?? 200_000);
const RETENTION_DAYS = Number(process.env.BENCH_IMPORT_RETENTION_DAYS ?? 3650);
const SITES = 400;
const STEP_MS = 5 * 60_000;

function awExport(events: number, endMs: number): string {
  const start = endMs - events * STEP_MS;
  const list = [];
  for (let i = 0; i < events; i++) {
    const site = `site${(i * 7919) % SITES}.example`;
    list.push({
      id: i + 1,
      timestamp: new Date(start + i * STEP_MS).toISOString(),
      duration: 30 + (i % 240),
      data: {
        url: `https://${site}/page/${i % 1000}?q=${i}&token=secret${i}`,
        title: `Page ${i % 1000} - ${site}`,
        audible: i % 17 === 0,
        incognito: false,
        tabCount: 3 + (i % 9),
      },
    });
  }
  const id = 'aw-watcher-web-chrome_bench';
  return JSON.stringify({
    buckets: {
      [id]: {
        id,
        type: 'web.tab.current',
        client: 'aw-client-web',
        hostname: 'bench',
        created: new Date(start).toISOString(),
        data: {},
        events: list,
      },
    },
  });
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tracksphere-bench-import-'));
  const file = join(dir, 'aw-bucket-export.json');
  const text = awExport(EVENTS, Date.now() - 60_000);
  await writeFile(file, text);
  console.log(`file: ${EVENTS} events, ${(text.length / 1e6).toFixed(1)} MB`);

  const eb = await launchChromiumWithExtension(
    process.env.BENCH_EXT_DIR ?? (await stableBuildDir('chrome-mv3')),
  );
  try {
    await closeInstallWelcomeTab(eb);
    const page = await eb.browser.newPage();
    await openExtensionPage(page, `${eb.extensionUrl}manifest.json`);
    await setStorageValues(page, { consent: true, retentionDays: RETENTION_DAYS });
    // The import is in the Data section (options.html#data).
    await openExtensionPage(page, `${eb.extensionUrl}options.html#data`);
    await page.waitForSelector('[data-testid="import-file"]');
    page.on('workercreated', (w) => w.on('console', (m) => console.log('worker:', m.text())));
    await page.evaluate(() => {
      const probe = { maxGap: 0, ticks: 0, longTasks: [] as number[], progress: 0 };
      (globalThis as unknown as { probe: typeof probe }).probe = probe;
      let last = performance.now();
      setInterval(() => {
        const now = performance.now();
        probe.maxGap = Math.max(probe.maxGap, now - last);
        probe.ticks += 1;
        last = now;
        if (document.querySelector('[data-testid="import-progress"][value]') !== null) {
          probe.progress += 1;
        }
      }, 16);
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) probe.longTasks.push(Math.round(e.duration));
      }).observe({ type: 'longtask', buffered: false });
    });
    const input = (await page.$('[data-testid="import-file"]')) as ElementHandle<HTMLInputElement>;
    const started = Date.now();
    await input.uploadFile(file);
    // The page answering from outside: how long each 1 s poll takes to come back.
    let slowestAnswer = 0;
    let done = false;
    while (!done && Date.now() - started < 20 * 60_000) {
      const asked = Date.now();
      done = await page.evaluate(
        () =>
          document.querySelector('[data-testid="import-result"], [data-testid="import-error"]') !==
          null,
      );
      slowestAnswer = Math.max(slowestAnswer, Date.now() - asked);
      if (!done) await new Promise((r) => setTimeout(r, 1_000));
    }
    const shown = await page.$('[data-testid="import-result"], [data-testid="import-error"]');
    const elapsed = Date.now() - started;
    const result = await shown?.evaluate((el) => ({
      imported: el.getAttribute('data-imported'),
      skipped: el.getAttribute('data-skipped'),
      text: el.textContent,
    }));
    const probe = await page.evaluate(
      () =>
        (
          globalThis as unknown as {
            probe: { maxGap: number; ticks: number; longTasks: number[]; progress: number };
          }
        ).probe,
    );
    console.log(`retention: ${RETENTION_DAYS} days`);
    console.log(`slowest answer to a poll from outside: ${slowestAnswer} ms`);
    console.log(
      `import: ${(elapsed / 1000).toFixed(1)} s, imported ${result?.imported}, skipped ${result?.skipped}`,
    );
    console.log(
      `main thread: longest timer gap ${probe.maxGap.toFixed(0)} ms over ${probe.ticks} ticks; long tasks ${probe.longTasks.length} (longest ${Math.max(0, ...probe.longTasks)} ms); progress bar with a value seen on ${probe.progress} ticks`,
    );
    if (result?.imported === null) console.log(result?.text);
  } finally {
    await eb.close();
  }
}

await main();
