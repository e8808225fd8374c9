/**
 * When the person browses: active time by weekday and hour, and today's visits
 * on a 24-hour axis. The tracker keeps a visit's start, end and active total,
 * not when within it the person was active, so a visit spanning several hours
 * has its active time spread over its wall-clock span in proportion: 40 min
 * active in a visit from 9:30 to 11:00 counts 13 min 20 s at 9 and 26 min 40 s
 * at 10.
 */

import { QUARTER_MS } from '../db/index.js';
import { TIMELINE_COLUMNS, toColumns } from './timeline-columns.js';

/** Minutes to add to local time for UTC at an instant, as Date.prototype.getTimezoneOffset. */
export type ZoneOffset = (ms: number) => number;

/** The browser's own zone. */
export const browserOffset: ZoneOffset = (ms) => new Date(ms).getTimezoneOffset();

const HOUR = 3_600_000;

/** A visit as these views need it: its span in ms since the epoch and its active time. */
export interface Span {
  domain: string;
  startMs: number;
  endMs: number;
  activeMs: number;
}

export interface HeatCell {
  /** 0 = Sunday .. 6 = Saturday, local. */
  weekday: number;
  /** 0..23, local. */
  hour: number;
  activeMs: number;
}

/** The 168 cells (Sunday 0:00 first, hour by hour), each visit's active time spread over its span. */
export function heatmap(spans: Iterable<Span>, offset: ZoneOffset = browserOffset): HeatCell[] {
  return heatmapOf([], spans, offset);
}

/**
 * The 168 cells from the heatmap's rollups (active ms by quarter hour since the epoch, each
 * inside one local hour whatever the zone) and from spans not recorded yet (the open visits).
 */
export function heatmapOf(
  quarters: Iterable<Readonly<Record<string, number>>>,
  spans: Iterable<Span>,
  offset: ZoneOffset = browserOffset,
  /** Cells summed already (a kept window's, db/heat-windows.ts), added to first. */
  base: readonly number[] = [],
): HeatCell[] {
  const sums = new Float64Array(168);
  base.forEach((ms, i) => {
    if (i < 168) sums[i] = ms;
  });
  const add = (at: number, ms: number): void => {
    const local = new Date(at - offset(at) * 60_000);
    const cell = local.getUTCDay() * 24 + local.getUTCHours();
    sums[cell] = (sums[cell] ?? 0) + ms;
  };
  for (const row of quarters) {
    const keys = Object.keys(row).map(Number);
    if (keys.length === 0) continue;
    // One zone offset for the row's quarters when its first and last agree (no clock change
    // between them): the cells by arithmetic, not a Date and an offset lookup per quarter.
    const first = Math.min(...keys) * QUARTER_MS;
    const shift = offset(first);
    const steady = offset(Math.max(...keys) * QUARTER_MS) === shift;
    for (const quarter of keys) {
      const at = quarter * QUARTER_MS;
      const ms = row[quarter] ?? 0;
      if (!steady) {
        add(at, ms);
        continue;
      }
      const local = at - shift * 60_000;
      const hour = Math.floor(local / HOUR);
      // 1 January 1970 was a Thursday (weekday 4).
      const cell = ((((Math.floor(hour / 24) + 4) % 7) + 7) % 7) * 24 + (((hour % 24) + 24) % 24);
      sums[cell] = (sums[cell] ?? 0) + ms;
    }
  }
  for (const span of spans) {
    const length = span.endMs - span.startMs;
    if (length <= 0) {
      add(span.startMs, span.activeMs);
      continue;
    }
    let at = span.startMs;
    while (at < span.endMs) {
      const shift = offset(at) * 60_000;
      const next = Math.min(span.endMs, (Math.floor((at - shift) / HOUR) + 1) * HOUR + shift);
      add(at, (span.activeMs * (next - at)) / length);
      at = next;
    }
  }
  return [...sums].map((ms, i) => ({
    weekday: Math.floor(i / 24),
    hour: i % 24,
    activeMs: Math.round(ms),
  }));
}

export interface TimelineBlock {
  /** The site (registrable domain) the visit's host belongs to. */
  domain: string;
  startMs: number;
  endMs: number;
  activeMs: number;
  /** Where the block starts and ends on the day's axis, 0..1 (a visit across midnight is cut). */
  left: number;
  right: number;
}

/**
 * The spans that overlap the day [dayStartMs, dayEndMs), by start, as blocks on its axis; a
 * site's block that starts before its previous one ends grows that one (they would be drawn
 * over each other), and blocks closer than the axis's columns become one per run of columns
 * (timeline-columns.ts), so a busy day draws what can be seen, not every visit.
 */
export function timeline(
  spans: Iterable<Span>,
  day: { startMs: number; endMs: number },
  siteOf: (host: string) => string = (host) => host,
  columns: number = TIMELINE_COLUMNS,
): TimelineBlock[] {
  const length = day.endMs - day.startMs;
  const blocks: TimelineBlock[] = [];
  for (const span of spans) {
    const before = span.startMs < day.startMs && span.endMs <= day.startMs;
    if (before || span.startMs >= day.endMs) continue;
    blocks.push({
      domain: siteOf(span.domain),
      startMs: span.startMs,
      endMs: span.endMs,
      activeMs: span.activeMs,
      left: (Math.max(span.startMs, day.startMs) - day.startMs) / length,
      right: (Math.min(span.endMs, day.endMs) - day.startMs) / length,
    });
  }
  blocks.sort((a, b) => a.startMs - b.startMs);
  const merged: TimelineBlock[] = [];
  for (const block of blocks) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.domain === block.domain && block.startMs <= last.endMs) {
      last.endMs = Math.max(last.endMs, block.endMs);
      last.right = Math.max(last.right, block.right);
      last.activeMs += block.activeMs;
    } else {
      merged.push(block);
    }
  }
  return toColumns(merged, day, columns);
}
