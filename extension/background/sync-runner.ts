import type { TracksphereDb } from '../db/index.js';
import type { SyncNowResult } from '../messaging/protocol.js';
import { syncConfigItem } from '../settings/index.js';

/** One sync pass: what the 'sync' alarm and the syncNow message run. */
export type SyncRunner = () => Promise<SyncNowResult>;

export function createSyncRunner(_db: TracksphereDb): SyncRunner {
  return async () => {
    const config = await syncConfigItem.getValue();
    if (!config.enabled) return { status: 'disabled' };
    // sync wiring: issue #3. Call the sync client here with `_db` (the outbox)
    // and `config` (serverUrl, token) and map its outcome to a SyncNowResult.
    return { status: 'not_wired' };
  };
}
