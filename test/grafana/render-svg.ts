/**
 * Draws what a panel would show from its query result, as a small standalone SVG, because no
 * Grafana can run here: the test run writes one per panel under test-output/grafana/ so a person
 * can look at the dashboards' content. Deliberately plain: axes, bars, lines, a donut, a table.
 */
import type { Cell, QueryResult } from './dashboard-queries.js';

export interface PanelPicture {
  title: string;
  /** Grafana panel plugin id: stat, timeseries, barchart, piechart, table, state-timeline. */
  panelType: string;
  /** For time series: drawn as bars or as lines with points. */
  style: 'bars' | 'lines';
  unit: string;
  from: Date;
  to: Date;
  result: QueryResult;
}

const W = 640;
const H = 320;
const PAD = { left: 70, right: 150, top: 40, bottom: 40 };
const COLORS = ['#7eb26d', '#eab839', '#6ed0e0', '#ef843c', '#e24d42', '#1f78c1', '#ba43a9'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function color(i: number): string {
  return COLORS[i % COLORS.length] ?? '#888';
}

/** Values as Grafana would label them for the units used here. */
function formatValue(v: Cell, unit: string): string {
  if (v === null) return '-';
  if (typeof v === 'string') return v;
  if (unit === 'ms')
    return v >= 3_600_000 ? `${(v / 3_600_000).toFixed(2)} h` : `${v / 60_000} min`;
  if (unit === 's') {
    if (Math.abs(v) >= 3600) return `${Number((v / 3600).toFixed(2))} h`;
    if (Math.abs(v) >= 60) return `${Number((v / 60).toFixed(2))} min`;
    return `${Number(v.toFixed(3))} s`;
  }
  if (unit === 'dateTimeFromNow') return new Date(v).toISOString();
  return String(Number(v.toFixed(4)));
}

function frame(title: string, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#181b1f"/>`,
    `<text x="12" y="22" fill="#ccccdc" font-size="14" font-weight="bold">${esc(title)}</text>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

function numericColumns(r: QueryResult, skip: string[] = []): number[] {
  return r.columns
    .map((c, i) => ({ c, i }))
    .filter(({ c, i }) => !skip.includes(c) && r.rows.some((row) => typeof row[i] === 'number'))
    .map(({ i }) => i);
}

function labelColumn(r: QueryResult): number {
  return r.columns.findIndex((_c, i) => r.rows.some((row) => typeof row[i] === 'string'));
}

function stat(p: PanelPicture): string {
  const value = p.result.rows[0]?.[0] ?? null;
  return [
    `<text x="${W / 2}" y="${H / 2}" fill="#ccccdc" font-size="48" text-anchor="middle">${esc(formatValue(value, p.unit))}</text>`,
    `<text x="${W / 2}" y="${H / 2 + 34}" fill="#8e8e8e" text-anchor="middle">${esc(p.result.columns[0] ?? '')}</text>`,
  ].join('\n');
}

interface Series {
  name: string;
  points: Array<{ t: number; v: number }>;
}

/** Wide (one column per series) or long (time, metric, value) time series. */
function seriesOf(r: QueryResult): Series[] {
  const ti = r.columns.indexOf('time');
  const mi = r.columns.indexOf('metric');
  if (mi >= 0) {
    const vi = numericColumns(r, ['time', 'metric'])[0] ?? -1;
    const byName = new Map<string, Series>();
    for (const row of r.rows) {
      const name = String(row[mi]);
      const s = byName.get(name) ?? { name, points: [] };
      s.points.push({ t: Date.parse(String(row[ti])), v: Number(row[vi]) });
      byName.set(name, s);
    }
    return [...byName.values()];
  }
  return numericColumns(r, ['time']).map((i) => ({
    name: r.columns[i] ?? '',
    points: r.rows.map((row) => ({ t: Date.parse(String(row[ti])), v: Number(row[i]) })),
  }));
}

interface Axes {
  x: (t: number) => number;
  y: (v: number) => number;
  /** The zero line and the min/max labels of the value axis. */
  valueAxis: string;
  /** Hour labels along the time axis. */
  timeAxis: string;
}

/** Scales for the plot area, which starts at `left` (further right when row labels are long). */
function axes(p: PanelPicture, lo: number, hi: number, left: number = PAD.left): Axes {
  const t0 = p.from.getTime();
  const t1 = p.to.getTime();
  const x = (t: number): number => left + ((t - t0) / (t1 - t0)) * (W - left - PAD.right);
  const y = (v: number): number =>
    H - PAD.bottom - ((v - lo) / (hi - lo || 1)) * (H - PAD.top - PAD.bottom);
  const valueAxis = [
    `<line x1="${left}" y1="${y(lo)}" x2="${W - PAD.right}" y2="${y(lo)}" stroke="#555"/>`,
    `<text x="${left - 6}" y="${y(hi) + 4}" fill="#8e8e8e" text-anchor="end">${esc(formatValue(hi, p.unit))}</text>`,
    `<text x="${left - 6}" y="${y(lo) + 4}" fill="#8e8e8e" text-anchor="end">${esc(formatValue(lo, p.unit))}</text>`,
  ].join('\n');
  const hours: string[] = [];
  for (let t = t0; t <= t1; t += 3_600_000) {
    hours.push(
      `<text x="${x(t)}" y="${H - PAD.bottom + 16}" fill="#8e8e8e" text-anchor="middle">${new Date(t).toISOString().slice(11, 16)}</text>`,
    );
  }
  return { x, y, valueAxis, timeAxis: hours.join('\n') };
}

function legend(names: string[]): string {
  return names
    .map(
      (n, i) =>
        `<rect x="${W - PAD.right + 12}" y="${PAD.top + i * 18}" width="10" height="10" fill="${color(i)}"/>` +
        `<text x="${W - PAD.right + 28}" y="${PAD.top + i * 18 + 9}" fill="#ccccdc">${esc(n)}</text>`,
    )
    .join('\n');
}

function timeSeries(p: PanelPicture): string {
  const series = seriesOf(p.result);
  const values = series.flatMap((s) => s.points.map((pt) => pt.v));
  const lo = Math.min(0, ...values);
  const top = Math.max(0, ...values);
  const hi = top > 0 ? top : 1;
  const { x, y, valueAxis, timeAxis } = axes(p, lo, hi);
  // One bucket: the smallest gap between two times in the result.
  const times = [...new Set(series.flatMap((s) => s.points.map((pt) => pt.t)))].sort(
    (a, b) => a - b,
  );
  const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
  const step = Math.min(p.to.getTime() - p.from.getTime(), ...gaps);
  const width =
    ((x(p.from.getTime() + step) - x(p.from.getTime())) / Math.max(series.length, 1)) * 0.8;
  const marks = series.flatMap((s, si) => {
    if (p.style === 'bars') {
      return s.points.map(
        (pt) =>
          `<rect x="${x(pt.t) + si * width + 4}" y="${y(Math.max(pt.v, 0))}" width="${width}" height="${Math.abs(y(pt.v) - y(0))}" fill="${color(si)}"/>`,
      );
    }
    const path = s.points.map((pt) => `${x(pt.t)},${y(pt.v)}`).join(' ');
    return [
      `<polyline points="${path}" fill="none" stroke="${color(si)}" stroke-width="2"/>`,
      ...s.points.map(
        (pt) => `<circle cx="${x(pt.t)}" cy="${y(pt.v)}" r="3" fill="${color(si)}"/>`,
      ),
    ];
  });
  return [valueAxis, timeAxis, ...marks, legend(series.map((s) => s.name))].join('\n');
}

function stateTimeline(p: PanelPicture): string {
  const series = seriesOf(p.result);
  // Device names are long: leave them room left of the rows.
  const left = 190;
  const { x, timeAxis } = axes(p, 0, 1, left);
  const rowH = Math.min(28, (H - PAD.top - PAD.bottom) / Math.max(series.length, 1));
  const parts = series.flatMap((s, si) => {
    const top = PAD.top + si * rowH;
    const label = `<text x="${left - 6}" y="${top + rowH / 2 + 4}" fill="#ccccdc" text-anchor="end" font-size="10">${esc(s.name)}</text>`;
    const spans = s.points.flatMap((pt, i) => {
      if (pt.v !== 1) return [];
      const end = s.points[i + 1]?.t ?? p.to.getTime();
      return [
        `<rect x="${x(pt.t)}" y="${top + 2}" width="${x(end) - x(pt.t)}" height="${rowH - 4}" fill="#73bf69"/>`,
      ];
    });
    return [label, ...spans];
  });
  return [timeAxis, ...parts].join('\n');
}

function barChart(p: PanelPicture): string {
  const li = labelColumn(p.result);
  const vi = numericColumns(p.result)[0] ?? -1;
  const rows = p.result.rows;
  const max = Math.max(1, ...rows.map((r) => Number(r[vi])));
  const barH = Math.min(24, (H - PAD.top - 20) / Math.max(rows.length, 1));
  return rows
    .map((r, i) => {
      const yTop = PAD.top + i * barH;
      const w = (Number(r[vi]) / max) * (W - 300);
      return [
        `<text x="150" y="${yTop + barH / 2 + 4}" fill="#ccccdc" text-anchor="end">${esc(String(r[li]))}</text>`,
        `<rect x="156" y="${yTop + 2}" width="${w}" height="${barH - 4}" fill="${color(0)}"/>`,
        `<text x="${162 + w}" y="${yTop + barH / 2 + 4}" fill="#ccccdc">${esc(formatValue(r[vi] ?? null, p.unit))}</text>`,
      ].join('');
    })
    .join('\n');
}

function pieChart(p: PanelPicture): string {
  const li = labelColumn(p.result);
  const vi = numericColumns(p.result)[0] ?? -1;
  const rows = p.result.rows;
  const total = rows.reduce((sum, r) => sum + Number(r[vi]), 0) || 1;
  const cx = 170;
  const cy = H / 2 + 10;
  const r = 110;
  let angle = -Math.PI / 2;
  const slices = rows.map((row, i) => {
    const share = Number(row[vi]) / total;
    const a2 = angle + share * 2 * Math.PI;
    const large = share > 0.5 ? 1 : 0;
    const p1 = `${cx + r * Math.cos(angle)},${cy + r * Math.sin(angle)}`;
    const p2 = `${cx + r * Math.cos(a2 - 1e-6)},${cy + r * Math.sin(a2 - 1e-6)}`;
    angle = a2;
    return `<path d="M${cx},${cy} L${p1} A${r},${r} 0 ${large} 1 ${p2} Z" fill="${color(i)}" stroke="#181b1f"/>`;
  });
  const hole = `<circle cx="${cx}" cy="${cy}" r="${r * 0.55}" fill="#181b1f"/>`;
  const labels = rows.map(
    (row, i) =>
      `<rect x="330" y="${PAD.top + i * 20}" width="10" height="10" fill="${color(i)}"/>` +
      `<text x="346" y="${PAD.top + i * 20 + 9}" fill="#ccccdc">${esc(`${String(row[li])}: ${String(row[vi])} (${Math.round((Number(row[vi]) / total) * 100)}%)`)}</text>`,
  );
  return [...slices, hole, ...labels].join('\n');
}

function table(p: PanelPicture): string {
  const { columns, rows } = p.result;
  const colW = (W - 24) / Math.max(columns.length, 1);
  const cell = (v: string, c: number, line: number, fill: string): string =>
    `<text x="${12 + c * colW}" y="${PAD.top + line * 18}" fill="${fill}">${esc(v.length > 30 ? `${v.slice(0, 29)}…` : v)}</text>`;
  return [
    ...columns.map((c, i) => cell(c, i, 0, '#8e8e8e')),
    ...rows.flatMap((row, line) =>
      row.map((v, i) =>
        cell(formatValue(v, columns[i] === 'active_ms' ? 'ms' : ''), i, line + 1, '#ccccdc'),
      ),
    ),
  ].join('\n');
}

export function renderPanelSvg(p: PanelPicture): string {
  const body =
    p.panelType === 'stat'
      ? stat(p)
      : p.panelType === 'timeseries'
        ? timeSeries(p)
        : p.panelType === 'state-timeline'
          ? stateTimeline(p)
          : p.panelType === 'barchart'
            ? barChart(p)
            : p.panelType === 'piechart'
              ? pieChart(p)
              : table(p);
  return frame(p.title, body);
}
