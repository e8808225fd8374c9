/**
 * How long a finished visit waits for the chart split's first build (extension/db/split-lists.ts),
 * and how long the builds take, in a real browser: the page of bench/split-build-probe-entry.ts,
 * bundled from the tree at `root` (this tree, or a `git archive` of another commit beside it, for
 * before and after in one run), served on 127.0.0.1. Seeds 141 hosts a day for a year (51,466
 * daily rollups), then per round drops a window's split and times a visit on today alone and one
 * started 5, 50, 150 or 300 ms (12 months) or 5 and 20 ms (30 days) into its first build.
 * Not part of `npm run bench`:
 *   npx tsx bench/split-build-probe.ts [root] [chromium|firefox] [rounds]
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import puppeteer from 'puppeteer-core';
import { CHROMIUM, FIREFOX } from '../test/harness/browsers.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const [rootArg, which = 'chromium', roundsArg = '3'] = process.argv.slice(2);
const root = resolve(rootArg ?? join(HERE, '..'));
// The page's imports of ../extension/ taken from `root`'s extension.
const source = readFileSync(join(HERE, 'split-build-probe-entry.ts'), 'utf8').replaceAll(
  "'../extension/",
  `'${root}/extension/`,
);
const bundle = await build({
  stdin: { contents: source, resolveDir: root, loader: 'ts', sourcefile: 'entry.ts' },
  bundle: true,
  write: false,
  format: 'iife',
  target: 'es2022',
  nodePaths: [join(HERE, '../node_modules')],
  tsconfig: join(root, 'extension/tsconfig.json'),
  logLevel: 'error',
});
const js = bundle.outputFiles[0]?.text ?? '';
const server = http
  .createServer((req, res) => {
    if (req.url === '/probe.js') {
      res.setHeader('content-type', 'text/javascript');
      res.end(js);
      return;
    }
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><script src="/probe.js"></script>');
  })
  .listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const browser =
  which === 'firefox'
    ? await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true })
    : await puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        pipe: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
        ],
      });
type Probe = {
  seed(hostsPerDay: number): Promise<number>;
  round(span: number, offsetMs: number): Promise<Record<string, number | boolean>>;
};
try {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => 'probe' in globalThis);
  const t = Date.now();
  const count = await page.evaluate(() =>
    (globalThis as unknown as { probe: Probe }).probe.seed(141),
  );
  console.log(`${which} ${root}: seeded ${count} daily rollups in ${Date.now() - t} ms`);
  for (const span of [365, 30]) {
    const offsets = span === 365 ? [5, 50, 150, 300] : [5, 20];
    for (let r = 0; r < Number(roundsArg); r++) {
      for (const offset of offsets) {
        const o = await page.evaluate(
          (s, off) => (globalThis as unknown as { probe: Probe }).probe.round(s, off),
          span,
          offset,
        );
        const shown = Object.entries(o).map(([k, v]) => [
          k,
          typeof v === 'number' ? Math.round(v * 10) / 10 : v,
        ]);
        console.log(JSON.stringify(Object.fromEntries(shown)));
      }
    }
  }
} finally {
  await browser.close();
  server.close();
}
