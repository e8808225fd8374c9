/**
 * Debian's Prometheus for tests: promtool on the repo's files, and a running prometheus on the
 * repo's config with its scrape targets pointed at processes the test started.
 *
 * The config is deploy/prometheus/prometheus.yml as compose runs it, with three changes only:
 * each job's Docker DNS discovery becomes a static target (the test's API and consumer), the
 * intervals become a second (so a test waits seconds, not minutes), and the rules file is named
 * by its absolute path. Started through `setpriv --pdeathsig KILL`, so a runner that dies takes
 * Prometheus with it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { freePort } from './nginx-process.js';
import { repoPath } from './repo-root.js';

const execFileAsync = promisify(execFile);

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? '/usr/bin/promtool';
export const PROMETHEUS_DIR = repoPath('deploy/prometheus');

/** promtool with `args`, in deploy/prometheus: its exit code and output. */
export async function promtool(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(PROMTOOL_BIN, args, { cwd: PROMETHEUS_DIR });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    };
  }
}

interface ScrapeConfig {
  job_name: string;
  dns_sd_configs?: unknown;
  static_configs?: Array<{ targets: string[] }>;
}

interface PrometheusConfig {
  global: Record<string, string>;
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}

/** The repo's config with `targets` (job name to host:port list) in place of DNS discovery. */
export async function testConfig(
  targets: Record<string, string[]>,
  selfAddress: string,
): Promise<PrometheusConfig> {
  const config = parse(
    await readFile(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8'),
  ) as PrometheusConfig;
  config.global = {
    ...config.global,
    scrape_interval: '1s',
    scrape_timeout: '1s',
    evaluation_interval: '1s',
  };
  config.rule_files = config.rule_files.map((f) => join(PROMETHEUS_DIR, f));
  for (const job of config.scrape_configs) {
    if (job.job_name === 'prometheus') {
      job.static_configs = [{ targets: [selfAddress] }];
      continue;
    }
    const wanted = targets[job.job_name];
    if (wanted === undefined) throw new Error(`no test target for job ${job.job_name}`);
    delete job.dns_sd_configs;
    job.static_configs = [{ targets: wanted }];
  }
  return config;
}

export interface RunningPrometheus {
  url: string;
  /** An instant query's result vector (throws on a query error). */
  query(
    promql: string,
  ): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** A range query over the last `seconds` (throws on a query error). */
  queryRange(promql: string, seconds: number): Promise<unknown[]>;
  output(): string;
  stop(): Promise<void>;
}

interface ApiAnswer<T> {
  status: string;
  error?: string;
  data: { resultType: string; result: T };
}

async function api<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body = (await res.json()) as ApiAnswer<T>;
  if (body.status !== 'success') throw new Error(`${url}: ${body.error ?? res.status}`);
  return body.data.result;
}

/** Starts prometheus on `config` in a temporary directory, on a free port of 127.0.0.1. */
export async function startPrometheus(
  makeConfig: (selfAddress: string) => Promise<PrometheusConfig>,
): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'tracksphere-prometheus-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  await writeFile(join(dir, 'prometheus.yml'), stringify(await makeConfig(address)));
  const proc: ChildProcess = spawn(
    'setpriv',
    [
      '--pdeathsig',
      'KILL',
      PROMETHEUS_BIN,
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${address}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  proc.stderr?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = `http://${address}`;
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready:\n${out.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    query: (promql) => api(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`),
    queryRange: (promql, seconds) => {
      const end = Date.now() / 1000;
      const q = new URLSearchParams({
        query: promql,
        start: String(end - seconds),
        end: String(end),
        step: '1',
      });
      return api(`${url}/api/v1/query_range?${q}`);
    },
    output: () => out,
    stop,
  };
}
