/**
 * The production nginx config running for a test: rendered into a temp folder with the given
 * template values, a self-signed certificate made by scripts/make-cert.sh, free ports.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificate } from './certificate.js';
import { renderNginxConfig } from './nginx-config.js';
import { freePort, nginxVersion, type RunningNginx, startNginx } from './nginx-process.js';

export interface TestNginx {
  /** The folder nginx runs from (its temp files go to temp/ inside it). */
  dir: string;
  /** https://localhost:<port> (send() connects to 127.0.0.1 with SNI localhost). */
  httpsUrl: string;
  /** http://localhost:<port>, the port-80 equivalent. */
  httpUrl: string;
  /** The self-signed certificate to trust. */
  ca: Buffer;
  process: RunningNginx;
  /** Stops nginx but keeps its folder, as a server that went down. */
  down(): Promise<void>;
  /** Starts nginx again on the same config and ports after `down()`. */
  up(): Promise<void>;
  /** Stops nginx and removes its folder. */
  stop(): Promise<void>;
}

export interface TestNginxOptions {
  /** Take the client address from this request header (see nginx-config.ts). */
  clientAddressHeader?: string;
}

export async function startTestNginx(
  values: Record<string, string>,
  opts: TestNginxOptions = {},
): Promise<TestNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'tracksphere-nginx-'));
  try {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const config = await renderNginxConfig({
      dir,
      values,
      httpPort,
      httpsPort,
      nginxVersion: await nginxVersion(),
      clientAddressHeader: opts.clientAddressHeader,
    });
    const ca = await makeCertificate(config.certDir);
    const ports = [httpPort, httpsPort];
    const nginx: TestNginx = {
      dir,
      httpsUrl: `https://localhost:${httpsPort}`,
      httpUrl: `http://localhost:${httpPort}`,
      ca,
      process: await startNginx(config, ports),
      down: () => nginx.process.stop(),
      async up(): Promise<void> {
        nginx.process = await startNginx(config, ports);
      },
      async stop(): Promise<void> {
        await nginx.process.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
    return nginx;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
