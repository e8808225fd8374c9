import type { JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { t } from '../../components/i18n.js';
import {
  type LimitProblem,
  limitProblems,
  MAX_LIMIT_MINUTES,
  MIN_LIMIT_MINUTES,
} from '../../limits/limits.js';
import { type LimitFigure, type LimitsReply, sendMessage } from '../../messaging/protocol.js';
import { type CustomCategory, loadCategorySettings } from '../../settings/category-items.js';
import { BUILT_IN_CATEGORIES } from '../../stats/categories.js';
import { formatDuration } from '../../stats/format-duration.js';
import { takeLimitSite } from './limit-site-button.js';

const PROBLEM_TEXT: Record<LimitProblem, 'limitErrorTarget' | 'limitErrorMinutes'> = {
  target: 'limitErrorTarget',
  minutes: 'limitErrorMinutes',
};

/** Today's figures move while the options page is open. */
const REFRESH_MS = 5000;

/**
 * Asks for the notifications permission, within the click that adds the first limit (browsers
 * only prompt from a user action). The answer does not matter here: limits work without it.
 */
function askForNotifications(): void {
  try {
    void browser.permissions.request({ permissions: ['notifications'] }).catch(() => false);
  } catch {
    // A browser that refuses to ask outright: the limit is set anyway, silently.
  }
}

export interface LimitRowProps {
  limit: LimitFigure;
  onEdit: (limit: LimitFigure) => void;
  onRemove: (target: string) => void;
}

export function LimitRow({ limit, onEdit, onRemove }: LimitRowProps): JSX.Element {
  const used = t('limitUsedOf', formatDuration(limit.usedMs), formatDuration(limit.limitMs));
  return (
    <li
      data-testid="limit-row"
      data-target={limit.target}
      data-limit-ms={limit.limitMs}
      data-used-ms={limit.usedMs}
      data-all-browsers={limit.allBrowsers === true}
    >
      <span class="limit-target">{limit.target}</span>
      <progress
        max={limit.limitMs}
        value={Math.min(limit.usedMs, limit.limitMs)}
        aria-label={`${limit.target}: ${used}`}
      />
      <span>
        {used}
        {limit.holdMeToIt ? ` · ${t('limitHoldOn')}` : ''}
        {limit.allBrowsers === true ? ` · ${t('limitAllBrowsersOn')}` : ''}
      </span>
      <span class="row">
        <button
          type="button"
          class="secondary"
          aria-label={t('limitEditFor', limit.target)}
          onClick={() => onEdit(limit)}
        >
          {t('limitEditButton')}
        </button>
        <button
          type="button"
          class="danger"
          aria-label={t('limitRemoveFor', limit.target)}
          onClick={() => onRemove(limit.target)}
        >
          {t('limitRemoveButton')}
        </button>
      </span>
    </li>
  );
}

interface Draft {
  target: string;
  minutes: string;
  hold: boolean;
  allBrowsers: boolean;
  /** The target being edited (its field is then fixed); null: a new limit. */
  editing: string | null;
}

const EMPTY: Draft = { target: '', minutes: '60', hold: false, allBrowsers: false, editing: null };

/** The options page's limits: the list with today's progress, and the form that adds or edits one. */
export function LimitsSection(): JSX.Element {
  const [reply, setReply] = useState<LimitsReply | null>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [problems, setProblems] = useState<LimitProblem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [custom, setCustom] = useState<CustomCategory[]>([]);
  const targetField = useRef<HTMLInputElement>(null);
  const minutesField = useRef<HTMLInputElement>(null);

  const run = useCallback((work: Promise<LimitsReply>) => {
    work.then(
      (next) => {
        setReply(next);
        setError(null);
      },
      (e: unknown) => setError(t('errorPrefix', e instanceof Error ? e.message : String(e))),
    );
  }, []);

  useEffect(() => {
    run(sendMessage('getLimits'));
    loadCategorySettings().then(
      (settings) => setCustom(settings.custom),
      () => undefined,
    );
    const timer = setInterval(() => run(sendMessage('getLimits')), REFRESH_MS);
    // A site's row chose this site (the row's Limit button brought the person here).
    const site = takeLimitSite();
    if (site !== null) {
      setDraft({ ...EMPTY, target: site });
      minutesField.current?.focus();
      document.getElementById('limits-heading')?.scrollIntoView();
    }
    return () => clearInterval(timer);
  }, [run]);

  const submit = (e: Event): void => {
    e.preventDefault();
    const target = draft.target.trim().toLowerCase();
    const minutes = Number(draft.minutes);
    const found = limitProblems(target, minutes);
    setProblems(found);
    if (found.length > 0) {
      (found[0] === 'target' ? targetField : minutesField).current?.focus();
      return;
    }
    if (reply !== null && reply.limits.length === 0) askForNotifications();
    run(
      sendMessage('setLimit', {
        target,
        limitMs: minutes * 60_000,
        holdMeToIt: draft.hold,
        allBrowsers: draft.allBrowsers,
      }),
    );
    setDraft(EMPTY);
  };

  const edit = (limit: LimitFigure): void => {
    setDraft({
      target: limit.target,
      minutes: String(Math.max(MIN_LIMIT_MINUTES, Math.round(limit.limitMs / 60_000))),
      hold: limit.holdMeToIt,
      allBrowsers: limit.allBrowsers === true,
      editing: limit.target,
    });
    setProblems([]);
    minutesField.current?.focus();
  };

  const limits = reply?.limits ?? [];
  return (
    <section aria-labelledby="limits-heading">
      <h2 id="limits-heading">{t('limitsHeading')}</h2>
      <p class="muted">{t('limitsThisBrowser')}</p>
      <p class="muted">{t('limitsNotificationsNote')}</p>
      {limits.length === 0 ? (
        <p class="empty">{t('noLimits')}</p>
      ) : (
        <ul class="limits">
          {limits.map((limit) => (
            <LimitRow
              key={limit.target}
              limit={limit}
              onEdit={edit}
              onRemove={(target) => run(sendMessage('removeLimit', { target }))}
            />
          ))}
        </ul>
      )}
      <form class="limit-form" data-testid="limit-add" noValidate onSubmit={submit}>
        <label class="field">
          <span>{t('limitTargetLabel')}</span>
          <input
            ref={targetField}
            type="text"
            name="target"
            data-testid="limit-target"
            value={draft.target}
            readOnly={draft.editing !== null}
            list="limit-categories"
            aria-invalid={problems.includes('target')}
            aria-describedby="limit-target-hint limit-problems"
            onInput={(e) => setDraft({ ...draft, target: e.currentTarget.value })}
          />
          <span id="limit-target-hint" class="muted">
            {t('limitTargetHint')}
          </span>
          <datalist id="limit-categories">
            {BUILT_IN_CATEGORIES.map((id) => (
              <option key={id} value={`category:${id}`}>
                {t(`category_${id}`)}
              </option>
            ))}
            {custom.map((category) => (
              <option key={category.id} value={`category:${category.id}`}>
                {category.name}
              </option>
            ))}
          </datalist>
        </label>
        <label class="field">
          <span>{t('limitMinutesLabel')}</span>
          <input
            ref={minutesField}
            type="number"
            name="minutes"
            data-testid="limit-minutes"
            min={MIN_LIMIT_MINUTES}
            max={MAX_LIMIT_MINUTES}
            step={1}
            value={draft.minutes}
            aria-invalid={problems.includes('minutes')}
            aria-describedby="limit-problems"
            onInput={(e) => setDraft({ ...draft, minutes: e.currentTarget.value })}
          />
        </label>
        <label class="check">
          <input
            type="checkbox"
            data-testid="limit-hold"
            checked={draft.hold}
            onChange={(e) => setDraft({ ...draft, hold: e.currentTarget.checked })}
          />
          <span>{t('limitHoldLabel')}</span>
        </label>
        <label class="check">
          <input
            type="checkbox"
            data-testid="limit-all-browsers"
            checked={draft.allBrowsers}
            onChange={(e) => setDraft({ ...draft, allBrowsers: e.currentTarget.checked })}
          />
          <span>{t('limitAllBrowsersLabel')}</span>
        </label>
        <div id="limit-problems" role="alert" data-testid="limit-problems">
          {problems.map((problem) => (
            <p class="error" key={problem}>
              {t(PROBLEM_TEXT[problem])}
            </p>
          ))}
        </div>
        <div class="row">
          <button type="submit" data-testid="limit-submit">
            {draft.editing === null ? t('limitAddButton') : t('limitSaveButton')}
          </button>
          {draft.editing === null ? null : (
            <button type="button" class="secondary" onClick={() => setDraft(EMPTY)}>
              {t('limitCancelButton')}
            </button>
          )}
        </div>
        {error === null ? null : <p class="error">{error}</p>}
      </form>
    </section>
  );
}
