import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { setTheme } from '../../components/apply-theme.js';
import { t } from '../../components/i18n.js';
import { type Preferences, sendMessage } from '../../messaging/protocol.js';

/** What the options page offers: 15 s (browser.idle's least) to 30 minutes. */
export const IDLE_MIN_SECONDS = 15;
export const IDLE_MAX_SECONDS = 30 * 60;

export function idleSecondsProblem(text: string): boolean {
  const seconds = Number(text);
  return !Number.isInteger(seconds) || seconds < IDLE_MIN_SECONDS || seconds > IDLE_MAX_SECONDS;
}

const WEEK_STARTS = ['monday', 'sunday', 'saturday'] as const;
const THEMES = ['system', 'light', 'dark'] as const;

/** The idle threshold, first day of the week and theme: settings people ask for. */
export function PreferencesSection({ idleSeconds }: { idleSeconds: number }): JSX.Element {
  const [idle, setIdle] = useState(String(idleSeconds));
  const [idleInvalid, setIdleInvalid] = useState(false);
  const [saved, setSaved] = useState<number>(idleSeconds);
  const [prefs, setPrefs] = useState<Preferences | null>(null);
  useEffect(() => {
    sendMessage('getPreferences').then(setPrefs, () => setPrefs(null));
  }, []);
  const save = (change: Partial<Preferences>): void => {
    if (change.theme !== undefined) setTheme(change.theme);
    sendMessage('setPreferences', change).then(setPrefs, () => undefined);
  };
  return (
    <section aria-labelledby="display-heading">
      <h2 id="display-heading">{t('displayHeading')}</h2>
      <form
        class="row"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const invalid = idleSecondsProblem(idle);
          setIdleInvalid(invalid);
          if (invalid) return;
          void sendMessage('setIdleThreshold', { seconds: Number(idle) }).then((status) =>
            setSaved(status.idleThresholdSeconds),
          );
        }}
      >
        <label class="field">
          <span>{t('idleThresholdLabel')}</span>
          <input
            type="number"
            min={IDLE_MIN_SECONDS}
            max={IDLE_MAX_SECONDS}
            step={1}
            data-testid="idle-threshold"
            data-saved-seconds={saved}
            value={idle}
            aria-invalid={idleInvalid}
            aria-describedby="idle-threshold-hint"
            onInput={(e) => setIdle(e.currentTarget.value)}
          />
          <span id="idle-threshold-hint" class={idleInvalid ? 'error' : 'muted'} role="status">
            {idleInvalid ? t('idleThresholdError') : t('idleThresholdHint')}
          </span>
        </label>
        <button type="submit" data-testid="idle-threshold-save">
          {t('idleThresholdSave')}
        </button>
      </form>
      {prefs === null ? null : (
        <div class="row">
          <label class="field">
            <span>{t('weekStartLabel')}</span>
            <select
              data-testid="week-start"
              value={prefs.weekStart}
              onChange={(e) =>
                save({ weekStart: e.currentTarget.value as Preferences['weekStart'] })
              }
            >
              {WEEK_STARTS.map((day) => (
                <option key={day} value={day}>
                  {t(`weekStart_${day}`)}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>{t('themeLabel')}</span>
            <select
              data-testid="theme"
              value={prefs.theme}
              onChange={(e) => save({ theme: e.currentTarget.value as Preferences['theme'] })}
            >
              {THEMES.map((theme) => (
                <option key={theme} value={theme}>
                  {t(`theme_${theme}`)}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
    </section>
  );
}
