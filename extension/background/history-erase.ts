/**
 * "Erase what you choose, everywhere it went": a site's history or a range of days, erased
 * locally (db/erase-history.ts) and, when this browser holds a token, on the server
 * (DELETE /api/v1/me/visits), whether sync is on or off: the server keeps what was sent
 * before sync was turned off.
 *
 * Visits the server accepted may still be on their way through Kafka when the erase
 * arrives, and would be written after it. So every server erase is kept (storage.local)
 * and sent again after the next successful sync, until one answer came at least
 * SETTLE_MS after the erase was made; one that failed (offline) waits for the same. The
 * server query is bounded by the instant of the erase (`to`), so sending it again never
 * deletes visits recorded after it.
 */
import { storage } from 'wxt/utils/storage';
import { t } from '../components/i18n.js';
import { eraseHistory, localStartOfDay } from '../db/erase-history.js';
import { addDays, localDayOf, type TracksphereDb } from '../db/index.js';
import type { EraseHistoryResult } from '../messaging/protocol.js';
import { syncConfigItem } from '../settings/index.js';
import { apiError, apiUrl, type FetchLike, readApiError } from '../sync/http.js';
import type { SyncRunner } from './sync-runner.js';

/** How long after an erase visits it may have missed can still be on their way to the table. */
export const SETTLE_MS = 60_000;

export interface ServerErase {
  /** The query of DELETE /api/v1/me/visits. */
  query: string;
  /** When the person erased (ms since the epoch). */
  madeAt: number;
}

export const serverErasesItem = storage.defineItem<ServerErase[]>('local:serverErases', {
  fallback: [],
  version: 1,
});

export interface EraseRequest {
  /** A site (registrable domain) or host: it and every host under it. */
  site?: string | undefined;
  /** Local days 'YYYY-MM-DD', both included. */
  fromDay?: string | undefined;
  toDay?: string | undefined;
}

export interface HistoryEraser {
  erase(request: EraseRequest): Promise<EraseHistoryResult>;
  /** Sends the kept server erases again; what the sync runner calls after a success. */
  resend(): Promise<void>;
}

export interface EraserRuntime {
  fetch: FetchLike;
  now(): number;
  dayOf?: typeof localDayOf;
  startOfDay?: (day: string) => number;
}

const defaultRuntime: EraserRuntime = {
  fetch: (url, init) => fetch(url, init),
  now: () => Date.now(),
};

export function createHistoryEraser(
  db: TracksphereDb,
  rt: EraserRuntime = defaultRuntime,
): HistoryEraser {
  const dayOf = rt.dayOf ?? localDayOf;
  const startOfDay = rt.startOfDay ?? localStartOfDay;

  /** The server's answer: its count, or the reason it could not erase. */
  async function send(
    query: string,
  ): Promise<{ deletedVisits: number } | { error: string; gone: boolean }> {
    const config = await syncConfigItem.getValue();
    if (config.serverUrl === null || config.token === null) {
      return { error: t('syncNoLongerRegistered'), gone: true };
    }
    let res: Response;
    try {
      res = await rt.fetch(apiUrl(config.serverUrl, `/api/v1/me/visits?${query}`), {
        method: 'DELETE',
        headers: { authorization: `Bearer ${config.token}` },
      });
    } catch (err) {
      return { error: apiError('network', String(err), null).message, gone: false };
    }
    if (res.ok) {
      const body = (await res.json().catch(() => null)) as { deletedVisits?: number } | null;
      return { deletedVisits: body?.deletedVisits ?? 0 };
    }
    const error = await readApiError(res);
    return { error: error.message, gone: res.status === 401 || res.status === 403 };
  }

  return {
    async erase({ site, fromDay, toDay }) {
      const now = rt.now();
      const fromMs = fromDay === undefined ? undefined : startOfDay(fromDay);
      const toMs = toDay === undefined ? undefined : startOfDay(addDays(toDay, 1));
      const local = await eraseHistory(
        db,
        {
          ...(site === undefined ? {} : { domain: site }),
          ...(fromMs === undefined ? {} : { fromMs }),
          ...(toMs === undefined ? {} : { toMs }),
        },
        dayOf,
      );
      const config = await syncConfigItem.getValue();
      if (config.serverUrl === null || config.token === null) {
        return { localVisits: local.visits, server: null };
      }
      const params = new URLSearchParams();
      if (site !== undefined) params.set('domain', site);
      if (fromMs !== undefined) params.set('from', new Date(Math.min(fromMs, now)).toISOString());
      params.set('to', new Date(Math.min(toMs ?? now, now)).toISOString());
      if (fromMs !== undefined && fromMs >= now) {
        // A range wholly in the future: nothing of it was sent.
        return { localVisits: local.visits, server: { deletedVisits: 0 } };
      }
      const query = params.toString();
      // Kept first: sent again after the next successful sync whatever happens now.
      await serverErasesItem.setValue([
        ...(await serverErasesItem.getValue()),
        { query, madeAt: now },
      ]);
      const answer = await send(query);
      return { localVisits: local.visits, server: answer };
    },
    async resend() {
      const kept = await serverErasesItem.getValue();
      if (kept.length === 0) return;
      const still: ServerErase[] = [];
      for (const entry of kept) {
        const answer = await send(entry.query);
        const done = 'deletedVisits' in answer ? rt.now() - entry.madeAt >= SETTLE_MS : answer.gone;
        if (!done) still.push(entry);
      }
      // Erases made while these were being sent stay kept too.
      const key = (e: ServerErase): string => `${e.madeAt} ${e.query}`;
      const sent = new Set(kept.map(key));
      const current = await serverErasesItem.getValue();
      await serverErasesItem.setValue([...still, ...current.filter((e) => !sent.has(key(e)))]);
    },
  };
}

/** The sync runner, followed after each successful pass by the kept server erases. */
export function resendErasesAfterSync(run: SyncRunner, eraser: HistoryEraser): SyncRunner {
  return async (opts) => {
    const result = await run(opts);
    if (result.status === 'done') await eraser.resend().catch(console.error);
    return result;
  };
}
