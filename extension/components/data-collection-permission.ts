import { browser } from 'wxt/browser';

/**
 * Firefox's data-collection consent (manifest data_collection_permissions,
 * Firefox 140+) is not in the Chromium or polyfill typings; this is the
 * shape of the call there.
 */
interface DataCollectionPermissions {
  request(permissions: { data_collection: string[] }): Promise<boolean>;
}

function hasDataCollection(): boolean {
  const manifest = browser.runtime.getManifest() as {
    browser_specific_settings?: { gecko?: { data_collection_permissions?: unknown } };
  };
  return manifest.browser_specific_settings?.gecko?.data_collection_permissions !== undefined;
}

/**
 * Asks Firefox for the optional 'browsingActivity' collection before sync is
 * turned on. Must run inside the click handler (a user gesture). Browsers
 * without data-collection permissions (Chromium) have nothing to ask: true.
 */
export async function requestBrowsingActivityPermission(): Promise<boolean> {
  if (!hasDataCollection()) return true;
  const permissions = browser.permissions as unknown as DataCollectionPermissions | undefined;
  if (permissions === undefined) return true;
  return permissions.request({ data_collection: ['browsingActivity'] });
}
