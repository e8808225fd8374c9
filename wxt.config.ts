import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';

/**
 * The fewest permissions that do the job (README: "Permissions"). No host
 * permissions: the tracker reads pages through tabs/webNavigation metadata
 * only, never their content, and the ingest server admits extension origins
 * by CORS, so the sync client needs no host access either.
 */
const EXTENSION_PERMISSIONS = [
  // storage.local holds the settings and the tracker's state, which must survive
  // the MV3 worker being killed and the browser restarting.
  'storage',
  // Wakes the worker every minute to checkpoint open visits (bounds what a crash
  // loses) and periodically to sync.
  'alarms',
  // URL, title, audible and incognito of tabs: tabs.onUpdated only reports title
  // changes, and tabs.get/query only return url/title, with this permission.
  'tabs',
  // Top-level commits with their transition type, and single-page-app route
  // changes (onHistoryStateUpdated), which tabs.onUpdated cannot tell apart.
  'webNavigation',
  // Idle and locked state: active time stops while the person is away.
  'idle',
] as const;

/**
 * Asked for when the person sets their first daily limit (options page), never at install:
 * the 80% and 100% notices of a limit. Without it limits still count and hold.
 */
const OPTIONAL_PERMISSIONS = ['notifications'] as const;

/**
 * Extension pages and the worker load only the extension's own code; fetch may
 * reach the self-hosted ingest server the person configures (https, or a
 * server on this machine during development).
 */
const EXTENSION_PAGES_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' https: http://localhost:* http://127.0.0.1:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const GECKO_ID = 'tracksphere@tracksphere.dev';
// MV3 arrived in 109, but data_collection_permissions needs 140 (an ESR).
const FIREFOX_MIN_VERSION = '140.0';
const FIREFOX_ANDROID_MIN_VERSION = '142.0';

// The extension: chrome-mv3, edge-mv3 and firefox-mv3 builds (Firefox as MV3, not WXT's MV2 default).
export default defineConfig({
  srcDir: 'extension',
  publicDir: 'extension/public',
  outDir: '.output',
  manifestVersion: 3,
  manifest: ({ browser }) => ({
    // Name, description and page strings live in public/_locales/{en,de,fr,es}
    // (browser.i18n, checked by components/locales.test.ts); English is the fallback.
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    permissions: [...EXTENSION_PERMISSIONS],
    optional_permissions: [...OPTIONAL_PERMISSIONS],
    // Private windows are never recorded (DESIGN.md, guarantee 3): the
    // extension does not run in them at all.
    incognito: 'not_allowed',
    content_security_policy: { extension_pages: EXTENSION_PAGES_CSP },
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: GECKO_ID,
              strict_min_version: FIREFOX_MIN_VERSION,
              // Nothing leaves the browser unless the person turns sync on.
              data_collection_permissions: {
                required: ['none'],
                optional: ['browsingActivity'],
              },
            },
            // Firefox for Android reads data_collection_permissions from 142 on.
            gecko_android: { strict_min_version: FIREFOX_ANDROID_MIN_VERSION },
          },
        }
      : {}),
  }),
  zip: {
    // The Firefox sources zip holds what builds the extension, not the server stack.
    excludeSources: [
      'server/**',
      'test/**',
      'bench/**',
      'scripts/**',
      'grafana/**',
      'nginx/**',
      'deploy/**',
      'Dockerfile',
      'docker-compose.yml',
    ],
  },
  vite: () => ({
    plugins: [preact()],
    // No modulepreload polyfill in the pages' bundle: every browser the manifest admits (Chrome's
    // MV3, Firefox 140) has <link rel="modulepreload">, and where one did not, the links would be
    // ignored and the modules load through their imports all the same.
    build: { modulePreload: { polyfill: false } },
  }),
  hooks: {
    // WXT's generated .wxt/tsconfig.json includes the whole repository; keep it to
    // the extension's code so server code is never checked with DOM globals.
    'prepare:types': (_wxt, entries) => {
      for (const entry of entries) {
        if ('path' in entry && entry.path === 'tsconfig.json') {
          entry.text = entry.text.replace(
            '"../**/*",',
            '"../extension/**/*",\n    "../protocol/**/*",\n    "../wxt.config.ts",',
          );
        }
      }
    },
  },
});
