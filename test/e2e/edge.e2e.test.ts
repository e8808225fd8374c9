/**
 * The end-to-end story (scenarios.ts) with the edge-mv3 build in Chromium (Edge itself does not
 * run on this machine; the build is the same engine's). It reports the browser the user agent
 * names, so Chromium here.
 */
import { launchChromiumWithExtension } from '../harness/browsers.js';
import { defineEndToEnd } from './scenarios.js';

defineEndToEnd({
  label: 'edge',
  build: 'edge-mv3',
  engine: 'chromium',
  launch: launchChromiumWithExtension,
  browserName: 'Chrome',
});
