/**
 * Issue 19's end-to-end story, run by defineEndToEnd (scenarios.ts) once the first device is
 * erased: the browser enrols again with a code the admin command created, its cohort's study
 * ends during the test (later events refused with study_ended, earlier ones kept, the options
 * page says it ended), then the uninstall page's withdrawal erases what it sent.
 */
import type { Page } from 'puppeteer-core';
import { expect, it } from 'vitest';
import { runAdmin } from '../harness/admin-cli.js';
import { waitFor } from '../harness/client.js';
import { openExtensionPage, storageValue } from '../harness/extension-pages.js';
import { CLOCK_TOLERANCE_MS, type E2eContext, sleep } from './e2e-context.js';

const SITE = 'study.test';
export const STUDY_HOSTS = [SITE] as const;
const COHORT = 'e2e-study';
/** The API's credential cache (AUTH_CACHE_TTL_MS default): a study end is seen within it. */
const AUTH_CACHE_MS = 5_000;

interface StudyConfig {
  enabled: boolean;
  deviceId: string | null;
  token: string | null;
  withdrawalSecret?: string | null;
  stopped?: { code: string; message: string } | null;
}

async function fill(page: Page, selector: string, text: string): Promise<void> {
  await page.$eval(selector, (el) => {
    (el as HTMLInputElement).value = '';
  });
  await page.type(selector, text);
}

export function defineStudy(ctx: E2eContext): void {
  const config = async (): Promise<StudyConfig> =>
    (await storageValue(ctx.ext(), 'syncConfig')) as StudyConfig;
  const admin = async (args: string[]): Promise<unknown> => {
    const run = await runAdmin([...args, '--json'], { DATABASE_URL: ctx.stack().databaseUrl });
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout);
  };
  const paths = async (deviceId: string): Promise<string[]> =>
    (
      await ctx
        .stack()
        .db.query<{ url: string }>('SELECT url FROM visits WHERE device_id = $1', [deviceId])
    ).rows.map((r) => new URL(r.url).pathname);
  const visitTo = async (path: string): Promise<void> => {
    const tab = await ctx.newTab();
    await tab.goto(ctx.stack().page(SITE, path));
    await sleep(200);
    await tab.close();
    await waitFor(
      async () => (await ctx.visits()).some((v) => v.url?.endsWith(path) === true),
      `the visit to ${path}`,
      20_000,
    );
  };

  it('10. enrolled with a code whose study ends during the test: later events refused, earlier kept, the options page says so; the uninstall page withdraws', async () => {
    const made = (await admin([
      'codes',
      'create',
      '--cohort',
      COHORT,
      '--study-ends',
      new Date(Date.now() + 7 * 86_400_000).toISOString(),
    ])) as { codes: { code: string }[] };
    const code = made.codes[0]?.code ?? '';
    expect(code).not.toBe('');

    const options = await ctx.optionsPage();
    if (
      !(await options.$eval(
        '[data-testid="sync-enable"]',
        (el) => (el as HTMLInputElement).checked,
      ))
    )
      await options.click('[data-testid="sync-enable"]');
    await fill(options, '[data-testid="server-url"]', ctx.stack().serverUrl);
    await fill(options, '[data-testid="enrollment-key"]', code);
    await options.click('[data-testid="sync-save"]');
    await waitFor(async () => (await config())?.token != null, 'the enrolment', 20_000);
    const { deviceId } = await config();
    if (deviceId === null) throw new Error('no device id');
    const device = await ctx
      .stack()
      .db.query<{ cohort: string }>(
        'SELECT c.name AS cohort FROM devices d JOIN cohorts c ON c.id = d.cohort_id WHERE d.id = $1',
        [deviceId],
      );
    expect(device.rows[0]?.cohort).toBe(COHORT);

    await visitTo('/before-end');
    await ctx.syncNow(options);
    await waitFor(
      async () => (await paths(deviceId)).includes('/before-end'),
      'the visit before the end in PostgreSQL',
      20_000,
    );

    // The admin ends the study now.
    const endAsked = Date.now();
    await admin(['cohorts', 'set-end', COHORT, 'now']);
    const endDone = Date.now();
    await sleep(Math.max(0, endDone + AUTH_CACHE_MS - Date.now()));
    await visitTo('/after-end');
    await openExtensionPageAgain(options, ctx);
    await ctx.syncNow(options);
    await waitFor(
      async () => (await config()).stopped?.code === 'study_ended',
      'the sync stopped for the study end',
      20_000,
    );
    expect((await config()).stopped?.message).toContain(COHORT);
    expect((await config()).enabled).toBe(false);
    // Refused means never stored: the earlier visit stays, the later one is not there.
    expect(await paths(deviceId)).toEqual(['/before-end']);

    await openExtensionPageAgain(options, ctx);
    const info = await options.waitForSelector(
      `[data-testid="study-info"][data-cohort="${COHORT}"]`,
    );
    const endsAt = Date.parse(
      (await info?.evaluate((el) => el.getAttribute('data-ends-at'))) ?? '',
    );
    expect(endsAt).toBeGreaterThanOrEqual(endAsked - CLOCK_TOLERANCE_MS);
    expect(endsAt).toBeLessThanOrEqual(endDone + CLOCK_TOLERANCE_MS);
    expect(await info?.evaluate((el) => el.textContent)).toMatch(/ended/);
    await options.close();

    // The uninstall URL the extension set (study-sync.test.ts checks the call): its server,
    // device and withdrawal secret, opened as the browser opens it after an uninstall.
    const secret = (await config()).withdrawalSecret ?? '';
    expect(secret).not.toBe('');
    const page = await ctx.newTab();
    await page.goto(`${ctx.stack().serverUrl}/withdraw#d=${deviceId}&s=${secret}`);
    await page.waitForSelector('#erase:not([disabled])');
    await page.click('#erase');
    await waitFor(async () => (await paths(deviceId)).length === 0, 'the visits withdrawn', 20_000);
    await page.close();
  }, 120_000);
}

/** Reloads the options page, so it reads the sync state afresh. */
async function openExtensionPageAgain(page: Page, ctx: E2eContext): Promise<void> {
  // Firefox does not report extension pages' navigations: not waited for (as openExtensionPage).
  // A query of its own each time: the same URL with a fragment again would only move to the
  // fragment in the page already open, and show what it read before.
  await openExtensionPage(
    page,
    `${ctx.eb().extensionUrl}options.html?again=${Date.now()}#settings`,
  );
  await page.waitForSelector('[data-testid="sync-now"]');
}
