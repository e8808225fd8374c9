import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';

// The extension: chrome-mv3, edge-mv3 and firefox-mv3 builds (Firefox as MV3, not WXT's MV2 default).
export default defineConfig({
  srcDir: 'extension',
  publicDir: 'extension/public',
  outDir: '.output',
  manifestVersion: 3,
  manifest: {
    name: 'Tracksphere',
    description: 'See where your browsing time goes. Private by default.',
  },
  vite: () => ({ plugins: [preact()] }),
});
