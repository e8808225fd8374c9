import type { JSX } from 'preact';
import { PRIVACY_LEVELS, type PrivacyLevel } from '../../protocol/redact.js';
import { t } from './i18n.js';

export interface PrivacyLevelSelectProps {
  value: PrivacyLevel;
  onChange: (level: PrivacyLevel) => void;
}

function isPrivacyLevel(value: string): value is PrivacyLevel {
  return (PRIVACY_LEVELS as readonly string[]).includes(value);
}

export function PrivacyLevelSelect({ value, onChange }: PrivacyLevelSelectProps): JSX.Element {
  return (
    <label class="field">
      <span>{t('privacyLevelLabel')}</span>
      <select
        data-testid="privacy-level"
        value={value}
        onChange={(e) => {
          const next = e.currentTarget.value;
          if (isPrivacyLevel(next)) onChange(next);
        }}
      >
        {PRIVACY_LEVELS.map((level) => (
          <option key={level} value={level}>
            {t(`level_${level}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
