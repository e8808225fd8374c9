/**
 * What a story file (scenario-*.ts) gets from defineEndToEnd (scenarios.ts): the stack, the
 * browser and the helpers the scenarios share, read when its tests run (they are set in
 * beforeAll).
 */
import type { Page } from 'puppeteer-core';
import type { ExtensionBrowser } from '../harness/browsers.js';
import type { StoredVisit } from '../harness/extension-pages.js';
import type { E2eStack } from './stack.js';

export interface E2eContext {
  engine: 'chromium' | 'firefox';
  /** File-name-safe label of the browser: chrome, edge, firefox. */
  label: string;
  stack(): E2eStack;
  eb(): ExtensionBrowser;
  /** The extension page kept open to read the extension's storage and database. */
  ext(): Page;
  /** The device the extension registered in scenario 3. */
  deviceId(): string;
  visits(): Promise<StoredVisit[]>;
  newTab(): Promise<Page>;
  /** The options page in a tab of its own, its sync status shown. */
  optionsPage(): Promise<Page>;
  /** Clicks "Sync now" once it can be clicked. */
  syncNow(page: Page): Promise<void>;
  /** What the page itself says its address is. */
  locationOf(page: Page): Promise<string>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Figures must match the test's own clock this closely (the issues' bar). */
export const CLOCK_TOLERANCE_MS = 1_000;
