/**
 * Where a finished visit's time goes (issue 20, section 2): the per-visit phase of the extension
 * bench (measureRecording, bench/extension-page-entry.ts: the whole path in turn with a bare
 * transaction, then the visit's transaction alone in turn with it) run once under a Chromium
 * trace, summed per transaction: the browser process's IndexedDB work by operation (its
 * database sequence runs a transaction's requests one after another, so that sum is the
 * transaction's floor), and the page's set-up of each request by store. Not part of `npm run
 * bench`; run it alone, under the bench lock:
 *   flock -w 3600 /tmp/tracksphere-bench.lock npx tsx bench/extension-trace.ts
 * Environment: BENCH_EXT_SEED_VISITS (20000), BENCH_EXT_VISITS (300), BENCH_EXT_TRACE (the
 * trace file to keep; a temporary one otherwise).
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromiumWithExtension } from '../test/harness/browsers.js';
import { extensionBuildDir } from '../test/harness/extension-builds.js';
import { openBenchHost, pageBundle, seedHistory } from './extension-host.js';
import type { SeedOptions, TracksphereBenchApi } from './extension-page-entry.js';

type BenchWindow = { tracksphereBench: TracksphereBenchApi };

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown> & { txn_id?: number; store_name?: string };
}

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

/** The per-visit phase under a trace: its events. */
async function traced(
  seedVisits: number,
  visits: number,
  dir: string,
  file: string,
): Promise<TraceEvent[]> {
  const bundle = await pageBundle();
  // A copy, as bench/extension.ts loads: a build meanwhile cannot pull files away.
  const copy = join(dir, 'chrome-mv3');
  await cp(extensionBuildDir('chrome-mv3'), copy, { recursive: true });
  const eb = await launchChromiumWithExtension(copy);
  try {
    const page = await openBenchHost(eb, bundle);
    const seed: SeedOptions = {
      visits: seedVisits,
      days: 365,
      domains: 3_000,
      zipfExponent: 1.3,
      chunk: 2_000,
      now: Date.now(),
    };
    await seedHistory(page, seed);
    const record = (n: number) =>
      page.evaluate(
        (k: number) => (window as unknown as BenchWindow).tracksphereBench.measureRecording(k),
        n,
      );
    await record(Math.min(visits, 100)); // warm-up, untraced
    await page.tracing.start({ path: file, categories: ['IndexedDB', 'toplevel'] });
    const r = await record(visits);
    await page.tracing.stop();
    console.log(
      `the traced run's own figures: whole path ${r.msPerVisit.toFixed(2)} ms, bare ${r.bareTxnMs.toFixed(2)} ms; visit transaction alone ${r.dbMsPerVisit.toFixed(2)} ms, bare ${r.dbBareTxnMs.toFixed(2)} ms`,
    );
    const json = JSON.parse(await readFile(file, 'utf8')) as { traceEvents: TraceEvent[] };
    return json.traceEvents;
  } finally {
    await eb.close();
  }
}

/** Sums of durations (ms) by key, and how often each key came. */
class Sums {
  readonly ms = new Map<string, number>();
  readonly n = new Map<string, number>();
  add(key: string, us: number): void {
    this.ms.set(key, (this.ms.get(key) ?? 0) + us / 1000);
    this.n.set(key, (this.n.get(key) ?? 0) + 1);
  }
}

/**
 * A transaction's kind by its requests: the bare one makes one put; the visit's transaction
 * alone four (the add, three rollup puts) and three gets; the whole path's five puts (the state's too).
 */
function kindOf(puts: number, gets: number): string {
  if (puts === 1 && gets === 0) return 'bare transaction';
  if (puts === 5) return "whole path's transaction (with the state)";
  if (puts === 4) return "the visit's transaction alone";
  return `other (${puts} puts, ${gets} gets)`;
}

function summarise(events: TraceEvent[]): void {
  const ops = new Map<
    number,
    { puts: number; gets: number; ops: [string, number][]; busy: number }
  >();
  for (const e of events) {
    const id = e.args?.txn_id;
    if (e.ph !== 'X' || id === undefined || e.dur === undefined) continue;
    const tx = ops.get(id) ?? { puts: 0, gets: 0, ops: [], busy: 0 };
    ops.set(id, tx);
    if (e.name === 'Transaction::RunTasks') tx.busy += e.dur;
    if (/Operation$|DoPendingCommit$/.test(e.name)) tx.ops.push([e.name, e.dur]);
    if (e.name === 'Database::PutOperation') tx.puts += 1;
    if (/Database::Get(All)?Operation/.test(e.name)) tx.gets += 1;
  }
  const kinds = new Map<string, { n: number; busy: number; sums: Sums }>();
  for (const tx of ops.values()) {
    if (tx.puts === 0 && tx.gets === 0) continue; // the page's own reads
    const kind = kindOf(tx.puts, tx.gets);
    const k = kinds.get(kind) ?? { n: 0, busy: 0, sums: new Sums() };
    kinds.set(kind, k);
    k.n += 1;
    k.busy += tx.busy;
    for (const [name, us] of tx.ops) k.sums.add(name, us);
  }
  console.log('browser process, IndexedDB sequence, per transaction (ms):');
  for (const [kind, k] of kinds) {
    console.log(`  ${kind} (${k.n}): busy ${(k.busy / 1000 / k.n).toFixed(3)}`);
    for (const [name, ms] of k.sums.ms) {
      const n = k.sums.n.get(name) ?? 1;
      console.log(
        `    ${name}: ${(n / k.n).toFixed(1)} per transaction, ${(ms / n).toFixed(3)} each`,
      );
    }
  }
  const page = new Sums();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined) continue;
    if (e.name === 'IDBDatabase::transaction') page.add(e.name, e.dur);
    if (/^IDBObjectStore::\w+RequestSetup$/.test(e.name)) {
      page.add(`${e.name} ${String(e.args?.store_name ?? '')}`, e.dur);
    }
  }
  console.log("the page's main thread, per call (ms):");
  for (const [name, ms] of [...page.ms].sort((a, b) => b[1] - a[1])) {
    const n = page.n.get(name) ?? 1;
    console.log(`  ${name}: ${n} calls, ${(ms / n).toFixed(3)} each`);
  }
}

const dir = await mkdtemp(join(tmpdir(), 'tracksphere-trace-'));
try {
  const file = process.env.BENCH_EXT_TRACE ?? join(dir, 'trace.json');
  summarise(
    await traced(env('BENCH_EXT_SEED_VISITS', 20_000), env('BENCH_EXT_VISITS', 300), dir, file),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
