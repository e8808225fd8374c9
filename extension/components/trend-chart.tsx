import type { JSX, RefObject } from 'preact';
import { useRef } from 'preact/hooks';
import type { DayTotal } from '../db/index.js';
import { formatDay } from '../stats/format-duration.js';
import { formatDayLabel, formatDuration, formatWeekday } from '../stats/index.js';
import { t } from './i18n.js';
import { useRovingFocus } from './roving-focus.js';

const HEIGHT = 100;
const LABEL_SPACE = 20;
const GAP_RATIO = 0.25;
/** Half the width of a "Wed 30" label at the label font size (12 units), in viewBox units. */
const HALF_LABEL = 20;
/** Labels closer than this (viewBox units) show the weekday alone: "Wed 30" would touch. */
const FULL_LABEL_SPACING = 48;

/** The bar a key moves to from `current` among `count`; null for other keys. */
export function barAfterKey(key: string, current: number, count: number): number | null {
  if (key === 'ArrowLeft' || key === 'ArrowDown') return Math.max(0, current - 1);
  if (key === 'ArrowRight' || key === 'ArrowUp') return Math.min(count - 1, current + 1);
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  return null;
}

/** One part of a day's bar (a category's time, say): drawn in colour `colour` (0..15). */
export interface StackSegment {
  key: string;
  /** Named in the day's accessible name: "Video". */
  label: string;
  activeMs: number;
  colour: number;
}

export interface TrendChartProps {
  days: readonly DayTotal[];
  /**
   * Each day's bar split into segments, bottom first; a day without segments is one plain bar.
   * Keyed by the days' 'YYYY-MM-DD'.
   */
  stacks?: Readonly<Record<string, readonly StackSegment[]>> | undefined;
  /** Width in viewBox units; the SVG scales to its container. */
  width?: number;
  /** Label every nth day (30 labels would overlap). */
  labelEvery?: number;
}

/**
 * The keyboard side of a bar chart that is one tab stop: the bar that takes the focus (the
 * last until one is chosen), and the arrow keys, Home and End moving it among `count` bars.
 */
export function useBarFocus(count: number): {
  svg: RefObject<SVGSVGElement | null>;
  current: number;
  setChosen: (index: number) => void;
  onKeyDown: (e: KeyboardEvent) => void;
} {
  const svg = useRef<SVGSVGElement>(null);
  // The last bar until one is chosen; bars come and go, so a choice past them is the last.
  const atMost = (chosen: number | null): number => Math.min(chosen ?? count - 1, count - 1);
  const { current, setCurrent, onKeyDown } = useRovingFocus<number | null>(
    null,
    (key, chosen) => barAfterKey(key, atMost(chosen), count),
    (next) => svg.current?.querySelectorAll<SVGRectElement>('.bar-hit')[next ?? count - 1]?.focus(),
  );
  return { svg, current: atMost(current), setChosen: setCurrent, onKeyDown };
}

/**
 * One bar's column, the `index`th of `slot` width: its focus target, an image named `name`
 * spanning the whole column (so empty bars are reachable too), and the bar, plain or stacked
 * by `segments`, as tall as its share of `max`.
 */
export function BarColumn(props: {
  index: number;
  slot: number;
  barWidth: number;
  activeMs: number;
  max: number;
  segments: readonly StackSegment[];
  name: string;
  focused: boolean;
  onFocus: () => void;
}): JSX.Element {
  const { index, slot, barWidth, activeMs, max, segments, name } = props;
  const barHeight = max === 0 ? 0 : Math.max(activeMs > 0 ? 2 : 0, (activeMs / max) * HEIGHT);
  const x = index * slot + (slot - barWidth) / 2;
  return (
    <>
      {/* biome-ignore lint/a11y/noInteractiveElementToNoninteractiveRole: a bar is a named image; it takes the focus only to be read, moved through with the arrow keys */}
      <rect
        class="bar-hit"
        x={index * slot}
        y={0}
        width={slot}
        height={HEIGHT}
        role="img"
        tabindex={props.focused ? 0 : -1}
        aria-label={name}
        onFocus={props.onFocus}
      >
        <title>{name}</title>
      </rect>
      {segments.length === 0 ? (
        <rect class="bar" x={x} y={HEIGHT - barHeight} width={barWidth} height={barHeight} />
      ) : (
        <StackedBar segments={segments} x={x} width={barWidth} max={max} />
      )}
    </>
  );
}

/** The chart's empty box while its days are read: the same size, so nothing below it moves. */
export function TrendChartPending({ width = 280 }: { width?: number }): JSX.Element {
  return (
    <figure class="trend" aria-busy="true" data-testid="trend-pending">
      <svg
        class="trend-chart"
        viewBox={`0 0 ${width} ${HEIGHT + LABEL_SPACE}`}
        aria-hidden="true"
      />
    </figure>
  );
}

/**
 * Active time per day as bars. The chart is one tab stop (the last day first);
 * the arrow keys, Home and End move between its days, each an image named with
 * its day and time, so the chart reads the same by keyboard and screen reader
 * as by eye. Colours come from the theme's CSS variables (dark mode included).
 */
export function TrendChart({
  days,
  width = 280,
  labelEvery = 1,
  stacks,
}: TrendChartProps): JSX.Element {
  const { svg, current, setChosen, onKeyDown } = useBarFocus(days.length);
  const max = days.reduce((m, d) => Math.max(m, d.activeMs), 0);
  const slot = days.length === 0 ? width : width / days.length;
  const barWidth = slot * (1 - GAP_RATIO);
  const firstDay = days[0]?.day;
  const lastDay = days.at(-1)?.day;
  const first = firstDay === undefined ? '' : formatDay(firstDay);
  const last = lastDay === undefined ? '' : formatDay(lastDay);
  return (
    <figure class="trend" aria-label={t('trendChartLabel', first, last)} data-testid="trend-chart">
      <svg
        class="trend-chart"
        ref={svg}
        viewBox={`0 0 ${width} ${HEIGHT + LABEL_SPACE}`}
        onKeyDown={onKeyDown}
      >
        <title>{t('trendChartLabel', first, last)}</title>
        <line class="axis" x1={0} x2={width} y1={HEIGHT + 0.5} y2={HEIGHT + 0.5} />
        {days.map((d, i) => {
          const label = formatDayLabel(d.day);
          const segments = stacks?.[d.day] ?? [];
          const name =
            segments.length === 0
              ? t('dayBarLabel', label, formatDuration(d.activeMs))
              : t('dayBarStackedLabel', label, formatDuration(d.activeMs), stackParts(segments));
          const shown = slot * labelEvery < FULL_LABEL_SPACING ? formatWeekday(d.day) : label;
          return (
            <g key={d.day} data-day={d.day} data-active-ms={d.activeMs}>
              <BarColumn
                index={i}
                slot={slot}
                barWidth={barWidth}
                activeMs={d.activeMs}
                max={max}
                segments={segments}
                name={name}
                focused={i === current}
                onFocus={() => setChosen(i)}
              />
              {i % labelEvery === 0 || i === days.length - 1 ? (
                <text
                  class="bar-label"
                  // Kept inside the chart, so the first and last labels are not cut off.
                  x={Math.min(width - HALF_LABEL, Math.max(HALF_LABEL, i * slot + slot / 2))}
                  y={HEIGHT + 16}
                  text-anchor="middle"
                >
                  {shown}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

/** "Video 1 hr, Work 5 min": a stacked bar's parts, for its accessible name. */
export function stackParts(segments: readonly StackSegment[]): string {
  return segments.map((s) => `${s.label} ${formatDuration(s.activeMs)}`).join(', ');
}

/** A bar as its segments, bottom first, each as tall as its share of the busiest bar. */
export function StackedBar({
  segments,
  x,
  width,
  max,
}: {
  segments: readonly StackSegment[];
  x: number;
  width: number;
  max: number;
}): JSX.Element {
  let top = HEIGHT;
  return (
    <>
      {segments.map((s) => {
        const height = max === 0 ? 0 : (s.activeMs / max) * HEIGHT;
        top -= height;
        return (
          <rect
            key={s.key}
            class={`bar-segment cat-${s.colour}`}
            data-segment={s.key}
            data-active-ms={s.activeMs}
            x={x}
            y={top}
            width={width}
            height={height}
          />
        );
      })}
    </>
  );
}
