/**
 * All my browsers in real Chromium: two browser profiles (two Chromium instances) registered
 * through their options pages to one server (nginx, TLS, PostgreSQL), linked with a code typed
 * into the options page, each with visits on the server; the popup's "all" scope shows both
 * browsers' time per site, and unlinking takes the other's figures away. axe-core on the section.
 */

import { readFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { createRequire } from 'node:module';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2eStack, ENROLLMENT_KEY, startE2eStack } from '../e2e/stack.js';
import {
  closeInstallWelcomeTab,
  type ExtensionBrowser,
  launchChromiumWithExtension,
} from '../harness/browsers.js';
import { makeBatch, makeEvent, waitFor } from '../harness/client.js';
import { extensionBuildDir } from '../harness/extension-builds.js';
import { openExtensionPage } from '../harness/extension-pages.js';
import { registerFromOptions } from './extension-test-kit.js';

const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** POST /api/v1/events through nginx (its test certificate is self-signed). */
function postEvents(url: string, token: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${url}/api/v1/events`,
      {
        method: 'POST',
        rejectUnauthorized: false,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

interface Profile {
  eb: ExtensionBrowser;
  options: Page;
  token: string;
  deviceId: string;
}

describe('All my browsers in two Chromium profiles', () => {
  let stack: E2eStack;
  const profiles: Profile[] = [];

  async function start(): Promise<Profile> {
    const eb = await launchChromiumWithExtension(extensionBuildDir('chrome-mv3'), {
      trustSpkiSha256: stack.spkiHash,
      acceptPermissionPrompts: true,
    });
    await closeInstallWelcomeTab(eb);
    const registered = await registerFromOptions(
      eb,
      stack.serverUrl,
      ENROLLMENT_KEY,
      'the device registration',
      true,
    );
    return { eb, ...registered };
  }

  async function allTotals(p: Profile): Promise<{ total: string; sites: string[] }> {
    const popup = await p.eb.browser.newPage();
    await openExtensionPage(popup, `${p.eb.extensionUrl}popup.html`);
    await popup.waitForSelector('[data-testid="view-scope"]');
    await popup.select('[data-testid="view-scope"]', 'all');
    await popup.waitForSelector('[data-testid="browser-row"]');
    await popup.waitForFunction(
      () => !document.querySelector('[data-testid="scope-as-of"]')?.textContent?.includes('…'),
    );
    const total =
      (await popup.$eval('[data-testid="today-total"]', (el) =>
        el.getAttribute('data-active-ms'),
      )) ?? '';
    const sites = await popup.$$eval('[data-testid="site-row"]', (rows) =>
      rows.map((r) => `${r.getAttribute('data-domain')}=${r.getAttribute('data-active-ms')}`),
    );
    await popup.close();
    return { total, sites: sites.sort() };
  }

  beforeAll(async () => {
    stack = await startE2eStack();
    profiles.push(await start());
    profiles.push(await start());
  }, 300_000);
  afterAll(async () => {
    for (const p of profiles) await p.eb.close();
    await stack?.stop();
  });

  it('links with a code, shows both browsers per site in the popup, and unlinks', async () => {
    const [a, b] = profiles as [Profile, Profile];
    const start = new Date(Date.now() - 120_000).toISOString();
    const end = new Date(Date.now() - 60_000).toISOString();
    const visit = (domain: string, activeMs: number) =>
      makeEvent({ domain, url: `https://${domain}/`, startedAt: start, endedAt: end, activeMs });
    expect(
      await postEvents(stack.serverUrl, a.token, makeBatch([visit('alpha.test', 30_000)])),
    ).toBeLessThan(300);
    expect(
      await postEvents(stack.serverUrl, b.token, makeBatch([visit('beta.test', 20_000)])),
    ).toBeLessThan(300);

    await a.options.click('[data-testid="link-create"]');
    await a.options.waitForSelector('[data-testid="link-code"]');
    const code =
      (await a.options.$eval('[data-testid="link-code"]', (el) => el.getAttribute('data-code'))) ??
      '';
    expect(code).toMatch(/^[2-9A-HJ-NP-Z]{8}$/);

    await b.options.type('[data-testid="link-code-input"]', 'WRONG234');
    await b.options.click('[data-testid="link-submit"]');
    await b.options.waitForSelector('[data-testid="link-note"][data-error="true"]');
    await b.options.$eval('[data-testid="link-code-input"]', (el) => {
      (el as HTMLInputElement).value = '';
    });
    await b.options.type('[data-testid="link-code-input"]', code.toLowerCase());
    await b.options.click('[data-testid="link-submit"]');
    await waitFor(
      async () => (await b.options.$$('[data-testid="linked-device"]')).length === 2,
      'two linked browsers',
    );
    await b.options.evaluate(await AXE_SOURCE);
    const violations = await b.options.evaluate(async () => {
      const axe = (
        globalThis as unknown as {
          axe: { run(el: Element): Promise<{ violations: { id: string }[] }> };
        }
      ).axe;
      const section = document.querySelector('[data-testid="link-section"]');
      return section === null
        ? ['no section']
        : (await axe.run(section)).violations.map((v) => v.id);
    });
    expect(violations).toEqual([]);

    expect(await allTotals(b)).toEqual({
      total: '50000',
      sites: ['alpha.test=30000', 'beta.test=20000'],
    });
    expect(await allTotals(a)).toEqual({
      total: '50000',
      sites: ['alpha.test=30000', 'beta.test=20000'],
    });

    // Unlinking the other browser from this one: its figures leave "all".
    await b.options.click(
      `[data-testid="linked-device"][data-device-id="${a.deviceId}"] [data-testid="unlink-device"]`,
    );
    await waitFor(
      async () => (await b.options.$$('[data-testid="linked-device"]')).length === 0,
      'the browsers unlinked',
    );
    expect(await allTotals(b)).toEqual({ total: '20000', sites: ['beta.test=20000'] });
  }, 180_000);
});
