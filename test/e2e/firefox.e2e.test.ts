/** The end-to-end story (scenarios.ts) with the firefox-mv3 build in Firefox ESR. */
import { launchFirefoxWithExtension } from '../harness/browsers.js';
import { defineEndToEnd } from './scenarios.js';

defineEndToEnd({
  label: 'firefox',
  build: 'firefox-mv3',
  engine: 'firefox',
  launch: launchFirefoxWithExtension,
  browserName: 'Firefox',
});
