/** The messages about daily limits (messaging/protocol.ts): the options page, popup and limit-reached page. */
import { isCategoryTarget, withOpenedAnyway, withSnooze } from '../limits/limits.js';
import type { LimitsReply, ProtocolMap } from '../messaging/protocol.js';
import { siteKey } from '../privacy/index.js';
import { limitDayItem, limitsItem } from '../settings/limit-items.js';
import { type LimitWatchDeps, readLimitsToday } from './limit-watch.js';

type LimitMessages = 'getLimits' | 'setLimit' | 'removeLimit' | 'chooseAtLimit';

export type LimitHandlers = {
  [K in LimitMessages]: (data: Parameters<ProtocolMap[K]>[0]) => Promise<LimitsReply>;
};

/** A site target as its registrable domain (what the tracker's site is); a category as it is. */
function normalTarget(target: string): string {
  if (isCategoryTarget(target)) return target;
  const key = siteKey(target);
  if (key === null) throw new Error(`not a web site: ${target}`);
  return key;
}

export function createLimitHandlers(deps: LimitWatchDeps): LimitHandlers {
  const reply = async (): Promise<LimitsReply> => {
    const { today, figures } = await readLimitsToday(deps);
    return { today, limits: figures };
  };
  return {
    getLimits: reply,
    async setLimit({ target, limitMs, holdMeToIt }) {
      const key = normalTarget(target);
      const limits = (await limitsItem.getValue()).filter((limit) => limit.target !== key);
      await limitsItem.setValue([...limits, { target: key, limitMs, holdMeToIt }]);
      return reply();
    },
    async removeLimit({ target }) {
      const limits = await limitsItem.getValue();
      await limitsItem.setValue(limits.filter((limit) => limit.target !== target));
      return reply();
    },
    async chooseAtLimit({ target, choice }) {
      const { state } = await readLimitsToday(deps);
      const now = deps.now();
      await limitDayItem.setValue(
        choice === 'snooze' ? withSnooze(state, target, now) : withOpenedAnyway(state, target),
      );
      return reply();
    },
  };
}
