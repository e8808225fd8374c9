/**
 * Summarises V8 .cpuprofile files (from BENCH_CPU_PROF=1 runs): top functions by self time.
 *
 *   tsx bench/profile.ts bench-output/profiles/kafka-consumer-r1 [top=25]
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  return path.startsWith('/') ? relative(process.cwd(), path) : path;
}

/** Self time per function; only samples inside window (monotonic µs) when one is given. */
export function summarise(
  profile: CpuProfile,
  top: number,
  window?: { startUs: number; endUs: number },
): string[] {
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  profile.samples.forEach((nodeId, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (window !== undefined && (t < window.startUs || t > window.endUs)) return;
    selfUs.set(nodeId, (selfUs.get(nodeId) ?? 0) + delta);
  });
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` ${shortUrl(url)}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const short = shortUrl(url);
    const pkg =
      url === ''
        ? functionName
        : url.includes('node_modules/')
          ? (short.startsWith('@')
              ? short.split('/').slice(0, 2)
              : short.split('/').slice(0, 1)
            ).join('/')
          : url.startsWith('node:')
            ? 'node:*'
            : short.split('/').slice(0, 3).join('/');
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const lines = [`sampled ${(total / 1e6).toFixed(1)} s of CPU`, 'top self time by function:'];
  for (const [k, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`  ${pct(us)}  ${k}`);
  }
  lines.push('self time by package / area:');
  for (const [k, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    lines.push(`  ${pct(us)}  ${k}`);
  }
  return lines;
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  const top = Number(process.argv[3] ?? 25);
  if (dir === undefined)
    throw new Error('usage: tsx bench/profile.ts <dir-with-.cpuprofile> [top]');
  const names = await readdir(dir);
  const window = names.includes('window.json')
    ? (JSON.parse(await readFile(join(dir, 'window.json'), 'utf8')) as {
        startUs: number;
        endUs: number;
      })
    : undefined;
  const files = names.filter((f) => f.endsWith('.cpuprofile')).slice(0, 20);
  for (const f of files) {
    const profile = JSON.parse(await readFile(join(dir, f), 'utf8')) as CpuProfile;
    const span =
      window === undefined
        ? 'whole process'
        : `measured window only (${((window.endUs - window.startUs) / 1e6).toFixed(1)} s)`;
    process.stdout.write(
      `== ${join(dir, f)}: ${span}\n${summarise(profile, top, window).join('\n')}\n\n`,
    );
  }
}

await main();
