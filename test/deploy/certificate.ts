import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoPath } from './repo-root.js';

const execFileAsync = promisify(execFile);

/** Makes a self-signed pair with the deployment's own script; returns the certificate (PEM). */
export async function makeCertificate(folder: string, host = 'localhost'): Promise<Buffer> {
  await execFileAsync('bash', [repoPath('scripts/make-cert.sh'), host, folder]);
  return readFile(join(folder, 'fullchain.pem'));
}
