/**
 * Preload for BENCH_CPU_PROF=1 (Node 20 refuses --cpu-prof in NODE_OPTIONS, --import is allowed):
 * samples the CPU from start to exit with the inspector and writes a .cpuprofile into
 * BENCH_CPU_PROF_DIR. The servers exit through process.exit() on SIGTERM, which runs 'exit'.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir !== undefined && dir !== '') {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // The in-process session answers synchronously, so this completes inside 'exit'.
    session.post('Profiler.stop', (err, result) => {
      if (err !== null || result === undefined) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `CPU.${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
