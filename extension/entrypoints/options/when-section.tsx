import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../components/i18n.js';
import { useRovingFocus } from '../../components/roving-focus.js';
import { barAfterKey } from '../../components/trend-chart.js';
import { type WeekStart, weekStartItem } from '../../settings/limit-items.js';
import { uiLocale } from '../../stats/format-duration.js';
import { formatDuration } from '../../stats/index.js';
import type { HeatCell, TimelineBlock } from '../../stats/when-stats.js';
import { TimelineLegend, timelineKey } from './timeline-legend.js';

/** data-weekday and Date.getDay count from Sunday; the rows start on the person's first day. */
const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6] as const;
const HOURS = Array.from({ length: 24 }, (_, h) => h);
/** The weekdays' names, Sunday first (2023-01-01 was a Sunday): formatted once, not per cell. */
function weekdayNames(style: 'short' | 'long'): string[] {
  const format = new Intl.DateTimeFormat(uiLocale(), { weekday: style, timeZone: 'UTC' });
  return WEEKDAYS.map((d) => format.format(Date.UTC(2023, 0, 1 + d, 12)));
}

/** The weekday (0 Sunday) a week starts on, for each choice of Settings' "first day of the week". */
const FIRST_DAY: Record<WeekStart, number> = { sunday: 0, monday: 1, saturday: 6 };

/** The person's first day of the week (0 Sunday), as stored, and as it changes. */
function useFirstDay(): number {
  const [weekStart, setWeekStart] = useState<WeekStart>(weekStartItem.fallback);
  useEffect(() => {
    let current = true;
    void weekStartItem.getValue().then((value) => {
      if (current) setWeekStart(value);
    });
    const unwatch = weekStartItem.watch((value) => setWeekStart(value));
    return () => {
      current = false;
      unwatch();
    };
  }, []);
  return FIRST_DAY[weekStart];
}

/**
 * The cell a key moves to from (`row`, `col`) in a `rows` × `cols` grid; null for other keys.
 * Arrows one step (stopping at the edges), Home and End the row's first and last.
 */
export function cellAfterKey(
  key: string,
  row: number,
  col: number,
  rows: number,
  cols: number,
): [number, number] | null {
  if (key === 'ArrowLeft') return [row, Math.max(0, col - 1)];
  if (key === 'ArrowRight') return [row, Math.min(cols - 1, col + 1)];
  if (key === 'ArrowUp') return [Math.max(0, row - 1), col];
  if (key === 'ArrowDown') return [Math.min(rows - 1, row + 1), col];
  if (key === 'Home') return [row, 0];
  if (key === 'End') return [row, cols - 1];
  return null;
}

/**
 * useRovingFocus over the elements in `box` (`selector` names each), and whether the focus is
 * inside it, for the line that shows the focused one's figure to a sighted keyboard user (a
 * tooltip needs a mouse; a screen reader reads the focused element itself).
 */
function useRovingFocusIn<K>(
  initial: K,
  after: (key: string, current: K) => K | null,
  selector: (at: K) => string,
) {
  const box = useRef<HTMLElement>(null);
  const { current, setCurrent, onKeyDown } = useRovingFocus(initial, after, (at) =>
    box.current?.querySelector<HTMLElement>(selector(at))?.focus(),
  );
  const [inside, setInside] = useState(false);
  return {
    box,
    current,
    shown: inside ? current : null,
    props: {
      onKeyDown,
      onFocusIn: () => setInside(true),
      onFocusOut: (e: FocusEvent) => {
        if (!box.current?.contains(e.relatedTarget as Node | null)) setInside(false);
      },
    },
    focusOn: setCurrent,
  };
}

// 'numeric': "8:18 AM" in English; languages that write the hour with two digits still do.
const clock = new Intl.DateTimeFormat(uiLocale(), { hour: 'numeric', minute: '2-digit' });

/** An hour of the day as the clock shows it: "2:00 AM–3:00 AM". */
function hourSpan(hour: number): string {
  return `${clock.format(new Date(2000, 0, 1, hour))}–${clock.format(new Date(2000, 0, 1, hour + 1))}`;
}

/** 0 for no time, else 1..4 by share of the busiest cell. */
export function heatLevel(ms: number, max: number): number {
  return ms <= 0 || max <= 0 ? 0 : Math.max(1, Math.ceil((ms / max) * 4));
}

/**
 * Active time by weekday (rows) and hour (columns): a plain table, so screen readers name each
 * cell by its row and column headers and read its time; the shade shows the same by eye. The
 * rows start on `firstDay` (0 Sunday), the person's first day of the week.
 */
export function Heatmap({
  cells,
  firstDay = 0,
}: {
  cells: readonly HeatCell[];
  firstDay?: number;
}): JSX.Element {
  const max = cells.reduce((m, c) => Math.max(m, c.activeMs), 0);
  const short = weekdayNames('short');
  const long = weekdayNames('long');
  const days = WEEKDAYS.map((i) => (i + firstDay) % 7);
  const roving = useRovingFocusIn<[number, number]>(
    [0, 0],
    (key, [row, col]) => cellAfterKey(key, row, col, days.length, HOURS.length),
    ([row, col]) => `tbody tr:nth-child(${row + 1}) td:nth-child(${col + 2})`,
  );
  const shown = roving.shown;
  const shownDay = shown === null ? undefined : days[shown[0]];
  return (
    <>
      <table class="heatmap" data-testid="heatmap" ref={roving.box as never} {...roving.props}>
        <caption>{t('heatmapCaption')}</caption>
        <thead>
          <tr>
            <td />
            {HOURS.map((h) => (
              <th key={h} scope="col" class="heat-hour">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {days.map((weekday, row) => (
            <tr key={weekday}>
              <th scope="row" class="heat-day">
                <abbr title={long[weekday]}>{short[weekday]}</abbr>
              </th>
              {HOURS.map((hour) => {
                const ms = cells[weekday * 24 + hour]?.activeMs ?? 0;
                const time = formatDuration(ms);
                return (
                  <td
                    key={hour}
                    class={`heat heat-${heatLevel(ms, max)}`}
                    data-testid="heatmap-cell"
                    data-weekday={weekday}
                    data-hour={hour}
                    data-active-ms={ms}
                    title={`${short[weekday]} ${hour}: ${time}`}
                    tabindex={roving.current[0] === row && roving.current[1] === hour ? 0 : -1}
                    onFocus={() => roving.focusOn([row, hour])}
                  >
                    <span class="visually-hidden">{time}</span>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {/* What the focused cell holds, for the eye; a screen reader reads the cell itself. */}
      <p class="focus-readout" aria-hidden="true" data-testid="heatmap-readout">
        {shown === null || shownDay === undefined
          ? ''
          : `${long[shownDay]} ${hourSpan(shown[1])}: ${formatDuration(cells[shownDay * 24 + shown[1]]?.activeMs ?? 0)}`}
      </p>
    </>
  );
}

/** Today's visits as blocks on a midnight-to-midnight axis, coloured by site, with the key. */
export function Timeline({ blocks }: { blocks: readonly TimelineBlock[] }): JSX.Element {
  const roving = useRovingFocusIn<number>(
    Number.MAX_SAFE_INTEGER,
    (key, i) => barAfterKey(key, Math.min(i, blocks.length - 1), blocks.length),
    (i) => `li:nth-child(${i + 1})`,
  );
  // The latest block until one is chosen (as the trend charts' last day); blocks come and go.
  const current = Math.min(roving.current, blocks.length - 1);
  const labelOf = (b: TimelineBlock): string =>
    t(
      'timelineBlockLabel',
      b.domain,
      clock.format(b.startMs),
      clock.format(b.endMs),
      formatDuration(b.activeMs),
    );
  const shown = roving.shown === null ? undefined : blocks[Math.min(roving.shown, current)];
  const legend = timelineKey(blocks);
  if (blocks.length === 0) {
    return (
      <p class="empty" data-testid="timeline-empty">
        {t('timelineEmpty')}
      </p>
    );
  }
  return (
    <div class="timeline-box">
      <ol
        class="timeline"
        aria-label={t('timelineLabel')}
        data-testid="timeline"
        ref={roving.box as never}
        {...roving.props}
      >
        {blocks.map((b, i) => {
          const label = labelOf(b);
          return (
            <li
              key={`${b.startMs}-${b.domain}`}
              class={`timeline-block ${legend.classOf(b.domain)}`}
              style={{ left: `${b.left * 100}%`, width: `${(b.right - b.left) * 100}%` }}
              title={label}
              data-testid="timeline-block"
              data-domain={b.domain}
              data-started-at={new Date(b.startMs).toISOString()}
              data-ended-at={new Date(b.endMs).toISOString()}
              data-active-ms={b.activeMs}
              tabindex={i === current ? 0 : -1}
              onFocus={() => roving.focusOn(i)}
            >
              <span class="visually-hidden">{label}</span>
            </li>
          );
        })}
      </ol>
      <div class="timeline-axis" aria-hidden="true">
        {[0, 6, 12, 18, 24].map((h) => (
          <span key={h} style={{ left: `${(h / 24) * 100}%` }}>
            {h === 24 ? '' : clock.format(new Date(2000, 0, 1, h))}
          </span>
        ))}
      </div>
      <p class="focus-readout" aria-hidden="true" data-testid="timeline-readout">
        {shown === undefined ? '' : labelOf(shown)}
      </p>
      <TimelineLegend legend={legend} />
    </div>
  );
}

export interface WhenSectionProps {
  /** null while the visits are read. */
  cells: readonly HeatCell[] | null;
  blocks: readonly TimelineBlock[] | null;
  /** Shown when the range goes past the kept visits. */
  rawNote: string | null;
}

/** When: the hours of the range, and today's visits. */
export function WhenSection({ cells, blocks, rawNote }: WhenSectionProps): JSX.Element {
  const firstDay = useFirstDay();
  return (
    <section aria-labelledby="when-heading" data-testid="when-section">
      <h2 id="when-heading">{t('whenHeading')}</h2>
      {rawNote === null ? null : <p class="notice">{rawNote}</p>}
      {cells === null ? (
        <p class="muted">{t('loading')}</p>
      ) : (
        <Heatmap cells={cells} firstDay={firstDay} />
      )}
      <p class="muted heat-help">{t('heatmapHelp')}</p>
      <h3>{t('timelineHeading')}</h3>
      {blocks === null ? <p class="muted">{t('loading')}</p> : <Timeline blocks={blocks} />}
    </section>
  );
}
