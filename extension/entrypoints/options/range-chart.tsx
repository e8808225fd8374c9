import type { JSX } from 'preact';
import { t } from '../../components/i18n.js';
import {
  BarColumn,
  type StackSegment,
  stackParts,
  useBarFocus,
} from '../../components/trend-chart.js';
import type { ChartBar } from '../../stats/date-range.js';
import { uiLocale } from '../../stats/format-duration.js';
import { formatDuration } from '../../stats/index.js';

const HEIGHT = 100;
const LABEL_SPACE = 20;
const GAP_RATIO = 0.25;
/** Labels closer than this (viewBox units) would touch: only every nth bar gets one. */
const LABEL_SPACING = 48;

function dayDate(day: string): Date {
  return new Date(`${day}T12:00:00Z`);
}

/**
 * "3 Mar" (a week's first day) or "Mar" (a month), in the browser's locale; a month with its
 * `year` ("Dec 25", or "Dec 2025" for the chart's name), where a 12-month chart would otherwise
 * run "Dec … Dec" with nothing to tell the two apart.
 */
function shortLabel(
  bar: ChartBar,
  unit: 'week' | 'month',
  year: 'numeric' | '2-digit' | undefined = undefined,
): string {
  const options: Intl.DateTimeFormatOptions =
    unit === 'week'
      ? { day: 'numeric', month: 'short', timeZone: 'UTC' }
      : { month: 'short', timeZone: 'UTC', ...(year === undefined ? {} : { year }) };
  return dayDate(bar.from).toLocaleDateString(uiLocale(), options);
}

let medium: Intl.DateTimeFormat | undefined;
/** One formatter for every bar (making one costs more than formatting with it). */
function mediumDate(): Intl.DateTimeFormat {
  medium ??= new Intl.DateTimeFormat(uiLocale(), { dateStyle: 'medium', timeZone: 'UTC' });
  return medium;
}

/** "3 Mar 2025 – 9 Mar 2025" or "March 2025": what the bar's name says. */
function longLabel(bar: ChartBar, unit: 'week' | 'month'): string {
  if (unit === 'month' && bar.from.slice(8) === '01' && dayDate(bar.to).getUTCDate() >= 28) {
    return dayDate(bar.from).toLocaleDateString(uiLocale(), {
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    });
  }
  return mediumDate().formatRange(dayDate(bar.from), dayDate(bar.to));
}

/**
 * Active time per week or per month: the chart of long ranges, where a bar a day would be a
 * hairline. Like TrendChart it is one tab stop, moved through with the arrow keys, Home and End.
 */
export function RangeChart({
  bars,
  unit,
  width = 600,
  stacks,
}: {
  bars: readonly ChartBar[];
  unit: 'week' | 'month';
  width?: number;
  /** Each bar split into segments (by category), keyed by the bar's first day. */
  stacks?: Readonly<Record<string, readonly StackSegment[]>> | undefined;
}): JSX.Element {
  const { svg, current, setChosen, onKeyDown } = useBarFocus(bars.length);
  const max = bars.reduce((m, b) => Math.max(m, b.activeMs), 0);
  const slot = bars.length === 0 ? width : width / bars.length;
  const barWidth = slot * (1 - GAP_RATIO);
  const labelEvery = Math.max(1, Math.ceil(LABEL_SPACING / slot));
  const first = bars[0] === undefined ? '' : shortLabel(bars[0], unit, 'numeric');
  const last = bars.at(-1);
  const name = t(
    unit === 'week' ? 'weekChartLabel' : 'monthChartLabel',
    first,
    last === undefined ? '' : shortLabel(last, unit, 'numeric'),
  );
  // The labelled bars (counted back from the last); a month's first label, and the first one in
  // each new year, name their year.
  const labelled = (i: number): boolean => (bars.length - 1 - i) % labelEvery === 0;
  const labelYear = (i: number): '2-digit' | undefined => {
    if (unit !== 'month') return undefined;
    const year = bars[i]?.from.slice(0, 4);
    for (let before = i - 1; before >= 0; before--) {
      if (labelled(before)) return bars[before]?.from.slice(0, 4) === year ? undefined : '2-digit';
    }
    return '2-digit';
  };
  return (
    <figure class="trend" aria-label={name} data-testid="range-chart" data-unit={unit}>
      <svg
        class="trend-chart"
        ref={svg}
        viewBox={`0 0 ${width} ${HEIGHT + LABEL_SPACE}`}
        onKeyDown={onKeyDown}
      >
        <title>{name}</title>
        <line class="axis" x1={0} x2={width} y1={HEIGHT + 0.5} y2={HEIGHT + 0.5} />
        {bars.map((b, i) => {
          const segments = stacks?.[b.from] ?? [];
          const label =
            segments.length === 0
              ? t('periodBarLabel', longLabel(b, unit), formatDuration(b.activeMs))
              : t(
                  'dayBarStackedLabel',
                  longLabel(b, unit),
                  formatDuration(b.activeMs),
                  stackParts(segments),
                );
          return (
            <g key={b.from} data-from={b.from} data-to={b.to} data-active-ms={b.activeMs}>
              <BarColumn
                index={i}
                slot={slot}
                barWidth={barWidth}
                activeMs={b.activeMs}
                max={max}
                segments={segments}
                name={label}
                focused={i === current}
                onFocus={() => setChosen(i)}
              />
              {labelled(i) ? (
                <text
                  class="bar-label"
                  x={Math.min(width - 20, Math.max(20, i * slot + slot / 2))}
                  y={HEIGHT + 16}
                  text-anchor="middle"
                >
                  {shortLabel(b, unit, labelYear(i))}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
