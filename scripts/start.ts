/**
 * `npm start`: builds the extension for Chrome, Edge and Firefox, then runs the
 * server on its embedded defaults (embedded PostgreSQL, no Kafka), printing the
 * API URL and the folder to load in each browser.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const BUILDS: Array<{ browser: string; args: string[]; folder: string; how: string }> = [
  {
    browser: 'Chrome',
    args: ['build', '-b', 'chrome'],
    folder: '.output/chrome-mv3',
    how: 'chrome://extensions → Developer mode → Load unpacked',
  },
  {
    browser: 'Edge',
    args: ['build', '-b', 'edge'],
    folder: '.output/edge-mv3',
    how: 'edge://extensions → Developer mode → Load unpacked',
  },
  {
    browser: 'Firefox',
    args: ['build', '-b', 'firefox', '--mv3'],
    folder: '.output/firefox-mv3',
    how: 'about:debugging#/runtime/this-firefox → Load Temporary Add-on → manifest.json',
  },
];

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit' });
    child.once('exit', (code) =>
      code === 0 ? res() : rej(new Error(`${cmd} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

for (const b of BUILDS) {
  process.stdout.write(`\nBuilding the ${b.browser} extension (${b.folder})…\n`);
  await run(resolve(ROOT, 'node_modules/.bin/wxt'), b.args);
}
process.stdout.write('\nExtension builds — load one in its browser:\n');
for (const b of BUILDS) {
  process.stdout.write(
    `  ${b.browser.padEnd(8)} ${resolve(ROOT, b.folder)}\n           (${b.how})\n`,
  );
}
process.stdout.write(
  `\nStarting the server (embedded PostgreSQL in ${process.env.DATA_DIR ?? '.data'}, no Kafka)…\n\n`,
);
// The server entry point prints "Tracksphere server ready" with the API URL.
await import('../server/src/entry-points/server.js');
