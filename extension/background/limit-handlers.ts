/**
 * The messages about daily limits (messaging/protocol.ts) from the options page, popup and
 * limit-reached page, and the display preferences the issue of limits brought along.
 */
import { localDayOf } from '../db/index.js';
import { isCategoryTarget, withOpenedAnyway, withSnooze } from '../limits/limits.js';
import type { LimitsReply, Preferences, ProtocolMap } from '../messaging/protocol.js';
import { siteKey } from '../privacy/index.js';
import { limitsItem, themeItem, weekStartItem } from '../settings/limit-items.js';
import { updateLimitDay } from './limit-day.js';
import { type LimitWatchDeps, readLimitsToday } from './limit-watch.js';
import { createSerialQueue } from './serial-queue.js';

type LimitMessages = 'getLimits' | 'setLimit' | 'removeLimit' | 'chooseAtLimit';

export type LimitHandlers = {
  [K in LimitMessages]: (data: Parameters<ProtocolMap[K]>[0]) => Promise<LimitsReply>;
} & {
  getPreferences: () => Promise<Preferences>;
  setPreferences: (data: Partial<Preferences>) => Promise<Preferences>;
};

async function preferences(): Promise<Preferences> {
  const [weekStart, theme] = await Promise.all([weekStartItem.getValue(), themeItem.getValue()]);
  return { weekStart, theme };
}

/** A site target as its registrable domain (what the tracker's site is); a category as it is. */
function normalTarget(target: string): string {
  if (isCategoryTarget(target)) return target;
  const key = siteKey(target);
  if (key === null) throw new Error(`not a web site: ${target}`);
  return key;
}

/**
 * Setting and removing a limit read the list, change it and write it back across awaits: two
 * changes at once (the options page and the popup, or two quick clicks) would each start from
 * the same list and the later write would drop the other's change. They run one at a time.
 */
const limitListChanges = createSerialQueue();

export function createLimitHandlers(deps: LimitWatchDeps): LimitHandlers {
  const reply = async (): Promise<LimitsReply> => {
    const { today, figures } = await readLimitsToday(deps);
    return { today, limits: figures };
  };
  return {
    getPreferences: preferences,
    async setPreferences({ weekStart, theme }) {
      if (weekStart !== undefined) await weekStartItem.setValue(weekStart);
      if (theme !== undefined) await themeItem.setValue(theme);
      return preferences();
    },
    getLimits: reply,
    async setLimit({ target, limitMs, holdMeToIt, allBrowsers }) {
      const key = normalTarget(target);
      const limit = { target: key, limitMs, holdMeToIt, ...(allBrowsers ? { allBrowsers } : {}) };
      await limitListChanges.run(async () => {
        const limits = (await limitsItem.getValue()).filter((l) => l.target !== key);
        await limitsItem.setValue([...limits, limit]);
      });
      return reply();
    },
    async removeLimit({ target }) {
      await limitListChanges.run(async () => {
        const limits = await limitsItem.getValue();
        await limitsItem.setValue(limits.filter((limit) => limit.target !== target));
      });
      return reply();
    },
    async chooseAtLimit({ target, choice }) {
      const now = deps.now();
      await updateLimitDay((deps.dayOf ?? localDayOf)(now), (state) =>
        choice === 'snooze' ? withSnooze(state, target, now) : withOpenedAnyway(state, target),
      );
      return reply();
    },
  };
}
