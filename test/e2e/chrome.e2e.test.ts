/** The end-to-end story (scenarios.ts) with the chrome-mv3 build in Chromium. */
import { launchChromiumWithExtension } from '../harness/browsers.js';
import { defineEndToEnd } from './scenarios.js';

defineEndToEnd({
  label: 'chrome',
  build: 'chrome-mv3',
  engine: 'chromium',
  launch: launchChromiumWithExtension,
  browserName: 'Chrome',
});
