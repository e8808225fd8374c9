/**
 * Where the popup's first render goes (issue 20, section 2): the popup of the built extension
 * loaded in real Chromium with a year of history seeded (as bench/extension.ts seeds it), each
 * load timed by the page itself: navigation to its HTML, the DOM parsed, the module graph
 * evaluated (the popup's first IndexedDB open), the open answered, each transaction, each message
 * to the background and its answer, the app's first render (its loading line), today's total
 * shown, and the extension API's i18n calls made until then (count and time). One load more
 * runs under a Chromium trace, summed on the page's main thread by event (parse, compile,
 * evaluation, style and layout). Not part of `npm run bench`; run it alone, under the bench lock:
 *   flock -w 3600 /tmp/tracksphere-bench.lock npx tsx bench/popup-breakdown.ts
 * BENCH_POPUP_OTHER=<chrome-mv3 builds, comma-separated> loads those builds' popups too (each
 * one's popup.html, chunks and assets copied beside this build's as popup-other-<n>.html: the
 * same extension, database and background), in turn with this one's, so they compare in one run.
 * Environment: BENCH_EXT_SEED_VISITS (200000), BENCH_POPUP_LOADS (10 per popup),
 * BENCH_EXT_DIR (the build to measure; .output/chrome-mv3 otherwise, built as it is),
 * BENCH_POPUP_PROFILE=1 (one load more under the CPU profiler: functions by self and total
 * time), BENCH_POPUP_TRACE_DIR (where to keep the traces; a temporary folder otherwise).
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'puppeteer-core';
import { type ExtensionBrowser, launchChromiumWithExtension } from '../test/harness/browsers.js';
import { extensionBuildDir } from '../test/harness/extension-builds.js';
import { openBenchHost, pageBundle, seedHistory } from './extension-host.js';
import type { SeedOptions } from './extension-page-entry.js';
import { median } from './lib.js';

type Marks = Array<[string, number]>;

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

/**
 * Runs in the page before its scripts: notes (name, performance.now()) for each IndexedDB open
 * and transaction, each runtime message and its answer, the app's first render and today's
 * total with its figure. A string: tsx would wrap a function's inner names in a helper.
 */
const INSTRUMENT = `(() => {
  const marks = [];
  window.__popupMarks = marks;
  const t = (name) => marks.push([name, performance.now()]);
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (...args) {
    t('idb open');
    const req = open.apply(this, args);
    req.addEventListener('upgradeneeded', () => t('idb upgradeneeded'));
    req.addEventListener('success', () => t('idb open success'));
    return req;
  };
  const transaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (stores, ...rest) {
    const name = [].concat(stores).join(',');
    t('txn ' + name);
    const tx = transaction.call(this, stores, ...rest);
    tx.addEventListener('complete', () => t('txn done ' + name));
    return tx;
  };
  const runtime = globalThis.chrome && chrome.runtime;
  if (runtime && runtime.sendMessage) {
    const send = runtime.sendMessage;
    runtime.sendMessage = function (msg, ...rest) {
      const type = msg && msg.type;
      t('send ' + type);
      const last = rest.length - 1;
      if (last >= 0 && typeof rest[last] === 'function') {
        const callback = rest[last];
        rest[last] = (...answer) => { t('reply ' + type); return callback(...answer); };
      }
      const p = send.call(runtime, msg, ...rest);
      if (p && p.then) p.then(() => t('reply ' + type), () => t('reply failed ' + type));
      return p;
    };
  }
  // The extension API's synchronous calls the page makes before the figure: count and time.
  const calls = {};
  window.__popupCalls = calls;
  const timeCalls = (api, name) => {
    const f = api && api[name];
    if (typeof f !== 'function') return;
    api[name] = function (...args) {
      const started = performance.now();
      try { return f.apply(api, args); } finally {
        const c = (calls[name] ??= { n: 0, ms: 0, before: null });
        c.n += 1;
        c.ms += performance.now() - started;
      }
    };
  };
  if (globalThis.chrome && chrome.i18n) {
    timeCalls(chrome.i18n, 'getUILanguage');
    timeCalls(chrome.i18n, 'getMessage');
  }
  let app = false;
  const observer = new MutationObserver(() => {
    if (!app && document.querySelector('#app > *') !== null) { app = true; t('app first render'); }
    const el = document.querySelector('[data-testid="today-total"]');
    if (el !== null && (el.getAttribute('data-active-ms') ?? '0') !== '0') {
      t('today total shown');
      for (const [name, c] of Object.entries(calls)) t(name + ' calls ' + c.n + ', ms ' + c.ms.toFixed(2));
      observer.disconnect();
      requestAnimationFrame(() => { t('next frame'); window.__popupDone = true; });
    }
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();`;

interface Load {
  marks: Marks;
  nav: Record<string, number>;
}

/** A CPU profile's functions by self time and by total time (ms), the top ones. */
function printProfile(profile: {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples?: number[];
  timeDeltas?: number[];
}): void {
  const self = new Map<number, number>();
  const deltas = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
  });
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const name = (id: number): string => {
    const f = byId.get(id)?.callFrame;
    return f === undefined
      ? '?'
      : `${f.functionName || '(anon)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber}`;
  };
  const totals = new Map<string, number>();
  // A recursive function's frames each count its time: these totals say where to look, no more.
  const total = (id: number): number => {
    let sum = self.get(id) ?? 0;
    for (const c of byId.get(id)?.children ?? []) sum += total(c);
    totals.set(name(id), (totals.get(name(id)) ?? 0) + sum);
    return sum;
  };
  for (const n of profile.nodes)
    if (!profile.nodes.some((m) => m.children?.includes(n.id))) total(n.id);
  const selfByName = new Map<string, number>();
  for (const [id, ms] of self) selfByName.set(name(id), (selfByName.get(name(id)) ?? 0) + ms);
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, 25);
  console.log('  profile, self time (ms):');
  for (const [k, ms] of top(selfByName)) console.log(`    ${ms.toFixed(2).padStart(7)} ${k}`);
  console.log('  profile, total time (ms):');
  for (const [k, ms] of top(totals)) console.log(`    ${ms.toFixed(2).padStart(7)} ${k}`);
}

async function load(
  eb: ExtensionBrowser,
  html: string,
  trace?: string,
  profile = false,
): Promise<Load> {
  const page: Page = await eb.browser.newPage();
  try {
    await page.setViewport({ width: 360, height: 600 });
    await page.evaluateOnNewDocument(INSTRUMENT);
    if (trace !== undefined) {
      await page.tracing.start({
        path: trace,
        categories: ['devtools.timeline', 'v8', 'v8.execute', 'blink', 'loading', 'IndexedDB'],
      });
    }
    const cdp = profile ? await page.createCDPSession() : undefined;
    if (cdp !== undefined) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      await cdp.send('Profiler.start');
    }
    await page.goto(`${eb.extensionUrl}${html}`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => (window as { __popupDone?: boolean }).__popupDone === true, {
      timeout: 30_000,
    });
    if (trace !== undefined) await page.tracing.stop();
    if (cdp !== undefined) printProfile((await cdp.send('Profiler.stop')).profile);
    return await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return {
        marks: (window as unknown as { __popupMarks: Marks }).__popupMarks,
        nav: {
          fetchStart: n.fetchStart,
          responseEnd: n.responseEnd,
          domInteractive: n.domInteractive,
          domContentLoaded: n.domContentLoadedEventEnd,
        },
      };
    });
  } finally {
    await page.close();
  }
}

/** Each load as named phases (ms from navigation start), for the medians. */
function phases(l: Load): Record<string, number> {
  const first = (prefix: string): number =>
    l.marks.find(([name]) => name.startsWith(prefix))?.[1] ?? Number.NaN;
  const last = (prefix: string): number =>
    l.marks.filter(([name]) => name.startsWith(prefix)).at(-1)?.[1] ?? Number.NaN;
  return {
    'html response end': l.nav.responseEnd ?? Number.NaN,
    'dom interactive': l.nav.domInteractive ?? Number.NaN,
    'first idb open (module evaluated)': first('idb open'),
    'idb open success': first('idb open success'),
    'first transaction': first('txn '),
    'last transaction done before shown': (() => {
      const shown = first('today total shown');
      return Math.max(
        ...l.marks.filter(([n, at]) => n.startsWith('txn done') && at <= shown).map(([, at]) => at),
      );
    })(),
    'getStatus sent': first('send getStatus'),
    'getStatus answered': first('reply getStatus'),
    'sitesOf answered': first('reply sitesOf'),
    'dom content loaded': l.nav.domContentLoaded ?? Number.NaN,
    'app first render': first('app first render'),
    'today total shown': first('today total shown'),
    'next frame': last('next frame'),
  };
}

/** The main thread's time in the trace's top events, by name, between navigation and the figure. */
async function traceSummary(file: string): Promise<Array<[string, number, number]>> {
  type Ev = { name: string; ph: string; ts: number; dur?: number; pid: number; tid: number };
  const events = (JSON.parse(await readFile(file, 'utf8')) as { traceEvents: Ev[] }).traceEvents;
  const mains = new Set(
    events
      .filter(
        (e) =>
          e.name === 'thread_name' &&
          (e as unknown as { args: { name: string } }).args.name === 'CrRendererMain',
      )
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const wanted =
    /^(ParseHTML|v8\.compile|v8\.compileModule|v8\.evaluateModule|EvaluateScript|V8\.ParseFunction|v8\.parseOnBackground|FunctionCall|RunMicrotasks|V8\.GCScavenger|MajorGC|MinorGC|UpdateLayoutTree|Layout|Paint|PrePaint|ParseAuthorStyleSheet|RunTask|ThreadControllerImpl::RunTask|IDB.*|EventDispatch|TimerFire|FireAnimationFrame)$/;
  const sums = new Map<string, [number, number]>();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined || !mains.has(`${e.pid}:${e.tid}`)) continue;
    if (!wanted.test(e.name)) continue;
    const s = sums.get(e.name) ?? [0, 0];
    s[0] += e.dur / 1000;
    s[1] += 1;
    sums.set(e.name, s);
  }
  return [...sums].map(([n, [ms, c]]) => [n, ms, c] as [string, number, number]);
}

/** The other build's popup page beside this one's, in the copy the browser loads. */
async function addOther(copy: string, other: string, page: string): Promise<void> {
  for (const sub of ['chunks', 'assets']) {
    for (const f of await readdir(join(other, sub))) {
      await cp(join(other, sub, f), join(copy, sub, f), { force: false, errorOnExist: false });
    }
  }
  await writeFile(join(copy, page), await readFile(join(other, 'popup.html')));
}

const dir = await mkdtemp(join(tmpdir(), 'tracksphere-popup-'));
try {
  const copy = join(dir, 'chrome-mv3');
  await cp(resolve(process.env.BENCH_EXT_DIR ?? extensionBuildDir('chrome-mv3')), copy, {
    recursive: true,
  });
  const others = (process.env.BENCH_POPUP_OTHER ?? '').split(',').filter((o) => o !== '');
  const pages = ['popup.html'];
  for (const [i, other] of others.entries()) {
    pages.push(`popup-other-${i + 1}.html`);
    await addOther(copy, resolve(other), `popup-other-${i + 1}.html`);
  }
  const bundle = await pageBundle();
  const eb = await launchChromiumWithExtension(copy);
  try {
    const host = await openBenchHost(eb, bundle);
    const seed: SeedOptions = {
      visits: env('BENCH_EXT_SEED_VISITS', 200_000),
      days: 365,
      domains: 3_000,
      zipfExponent: 1.3,
      chunk: 2_000,
      now: Date.now(),
    };
    await seedHistory(host, seed);
    console.log(`seeded ${seed.visits} visits`);
    // Untimed first loads: the code's first runs.
    for (const p of pages) await load(eb, p);
    const loads = new Map<string, Load[]>(pages.map((p) => [p, []]));
    const n = env('BENCH_POPUP_LOADS', 10);
    for (let i = 0; i < n; i++) {
      for (const p of i % 2 === 0 ? pages : [...pages].reverse()) {
        loads.get(p)?.push(await load(eb, p));
      }
    }
    for (const p of pages) {
      const list = loads.get(p) ?? [];
      console.log(`\n${p}: median of ${list.length} loads (ms from navigation start)`);
      const ph = list.map(phases);
      for (const key of Object.keys(ph[0] ?? {})) {
        const values = ph.map((x) => x[key] ?? Number.NaN);
        console.log(
          `  ${key.padEnd(40)} ${median(values).toFixed(1).padStart(7)}   (${values.map((v) => v.toFixed(0)).join(' ')})`,
        );
      }
      const sample = list[Math.floor(list.length / 2)];
      if (sample !== undefined) {
        console.log('  one load, every mark:');
        for (const [name, at] of sample.marks)
          console.log(`    ${at.toFixed(1).padStart(7)} ${name}`);
      }
      const trace = join(process.env.BENCH_POPUP_TRACE_DIR ?? dir, `${p}.trace.json`);
      await load(eb, p, trace);
      if (process.env.BENCH_POPUP_PROFILE === '1') await load(eb, p, undefined, true);
      console.log('  one traced load, main thread (ms, count):');
      for (const [name, ms, count] of (await traceSummary(trace)).sort((a, b) => b[1] - a[1])) {
        console.log(`    ${name.padEnd(32)} ${ms.toFixed(1).padStart(7)} ${count}`);
      }
    }
  } finally {
    await eb.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
