import type { JSX } from 'preact';
import type { MessageKey } from '../../components/i18n.js';
import { t } from '../../components/i18n.js';
import {
  type CustomRangeProblem,
  RANGE_CHOICES,
  type RangeChoice,
} from '../../stats/date-range.js';

const CHOICE_LABEL: Record<RangeChoice, MessageKey> = {
  today: 'rangeToday',
  '7d': 'range7d',
  '30d': 'range30d',
  '90d': 'range90d',
  '365d': 'range365d',
  custom: 'rangeCustom',
};

export function rangeChoiceLabel(choice: RangeChoice): string {
  return t(CHOICE_LABEL[choice]);
}

const PROBLEM_TEXT: Record<CustomRangeProblem, MessageKey> = {
  missing: 'rangeMissing',
  reversed: 'rangeReversed',
  future: 'rangeFuture',
};

export interface RangePickerProps {
  choice: RangeChoice;
  /** The custom range's days as typed ('YYYY-MM-DD' or ''). */
  from: string;
  to: string;
  today: string;
  problem: CustomRangeProblem | null;
  onChoice: (choice: RangeChoice) => void;
  onCustom: (from: string, to: string) => void;
}

/** One day of the custom range; an invalid range points to the problem shown under the picker. */
function DayField(props: {
  label: string;
  testId: string;
  value: string;
  max: string;
  invalid: boolean;
  onDay: (day: string) => void;
}): JSX.Element {
  return (
    <label class="field">
      <span>{props.label}</span>
      <input
        type="date"
        data-testid={props.testId}
        value={props.value}
        max={props.max}
        aria-invalid={props.invalid}
        aria-describedby={props.invalid ? 'range-problem' : undefined}
        onChange={(e) => props.onDay(e.currentTarget.value)}
      />
    </label>
  );
}

/** The range the history, pages and hours show: a preset, or two days of a custom range. */
export function RangePicker(props: RangePickerProps): JSX.Element {
  const invalid = props.choice === 'custom' && props.problem !== null;
  return (
    <div class="range-picker">
      <label class="field">
        <span>{t('rangeLabel')}</span>
        <select
          data-testid="range-picker"
          value={props.choice}
          onChange={(e) => {
            const value = e.currentTarget.value;
            const choice = RANGE_CHOICES.find((c) => c === value);
            if (choice !== undefined) props.onChoice(choice);
          }}
        >
          {RANGE_CHOICES.map((c) => (
            <option key={c} value={c}>
              {rangeChoiceLabel(c)}
            </option>
          ))}
        </select>
      </label>
      {props.choice === 'custom' ? (
        <>
          <DayField
            label={t('rangeFrom')}
            testId="range-from"
            value={props.from}
            max={props.today}
            invalid={invalid}
            onDay={(from) => props.onCustom(from, props.to)}
          />
          <DayField
            label={t('rangeTo')}
            testId="range-to"
            value={props.to}
            max={props.today}
            invalid={invalid}
            onDay={(to) => props.onCustom(props.from, to)}
          />
        </>
      ) : null}
      {invalid && props.problem !== null ? (
        <p class="error range-problem" id="range-problem" role="alert" data-testid="range-problem">
          {t(PROBLEM_TEXT[props.problem])}
        </p>
      ) : null}
    </div>
  );
}
