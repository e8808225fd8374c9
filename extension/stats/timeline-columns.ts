/**
 * Today's timeline at the axis's resolution: a busy day holds a thousand visits and more, and
 * an axis a thousand pixels wide can show one site per column at most. The day is cut into
 * columns; each column shows the site with the most time in it; runs of columns of one site
 * become one block. Where columns stand empty (a quiet day: visits minutes apart), the blocks
 * are exactly the visits (a site's overlapping visits grown into one), as before.
 */

/** Two-minute columns: about a pixel and a half of the options page's widest timeline. */
export const TIMELINE_COLUMNS = 720;

/** A block on the day's axis: one site's visits, already clipped to the day for left/right. */
export interface AxisBlock {
  domain: string;
  startMs: number;
  endMs: number;
  activeMs: number;
  left: number;
  right: number;
}

/** The columns [first, last] a block covers (a visit with no length: the one it starts in). */
function columnsOf(b: AxisBlock, columns: number): [number, number] {
  const first = Math.min(columns - 1, Math.floor(b.left * columns));
  const last = Math.max(first, Math.min(columns - 1, Math.ceil(b.right * columns) - 1));
  return [first, last];
}

/** Each column's site with the most time in it ('' for none); ties: the site that came first. */
function dominantSites(blocks: readonly AxisBlock[], columns: number): string[] {
  const time: Map<string, number>[] = Array.from({ length: columns }, () => new Map());
  for (const b of blocks) {
    const [first, last] = columnsOf(b, columns);
    for (let c = first; c <= last; c++) {
      const overlap = Math.min(b.right, (c + 1) / columns) - Math.max(b.left, c / columns);
      const cell = time[c] as Map<string, number>;
      // A visit with no length still marks its column.
      cell.set(b.domain, (cell.get(b.domain) ?? 0) + Math.max(overlap, 1e-12));
    }
  }
  return time.map((cell) => {
    let best = '';
    let most = 0;
    for (const [site, t] of cell) {
      if (t > most) {
        best = site;
        most = t;
      }
    }
    return best;
  });
}

/**
 * `blocks` (by start) as at most one block per run of columns of one site. A run's edge beside
 * another site's run is that column's edge; beside an empty column (or the day's end) it is
 * where the site's visits start or end. A run's active time is its site's, each visit's in
 * proportion to its span inside the run.
 */
export function toColumns(
  blocks: readonly AxisBlock[],
  day: { startMs: number; endMs: number },
  columns: number = TIMELINE_COLUMNS,
): AxisBlock[] {
  if (blocks.length === 0) return [];
  const sites = dominantSites(blocks, columns);
  const length = day.endMs - day.startMs;
  const edge = (c: number): number => day.startMs + (c / columns) * length;
  const runs: { domain: string; first: number; last: number }[] = [];
  sites.forEach((site, c) => {
    const run = runs[runs.length - 1];
    if (site === '') return;
    if (run !== undefined && run.domain === site && run.last === c - 1) run.last = c;
    else runs.push({ domain: site, first: c, last: c });
  });
  const bySite = new Map<string, AxisBlock[]>();
  for (const b of blocks) bySite.set(b.domain, [...(bySite.get(b.domain) ?? []), b]);
  return runs.map((run): AxisBlock => {
    const openBefore = run.first === 0 || sites[run.first - 1] === '';
    const openAfter = run.last === columns - 1 || sites[run.last + 1] === '';
    const from = openBefore ? Number.NEGATIVE_INFINITY : edge(run.first);
    const to = openAfter ? Number.POSITIVE_INFINITY : edge(run.last + 1);
    let startMs = Number.POSITIVE_INFINITY;
    let endMs = Number.NEGATIVE_INFINITY;
    let activeMs = 0;
    for (const b of bySite.get(run.domain) ?? []) {
      const [first, last] = columnsOf(b, columns);
      if (last < run.first || first > run.last) continue;
      startMs = Math.min(startMs, Math.max(from, b.startMs));
      endMs = Math.max(endMs, Math.min(to, b.endMs));
      const span = b.endMs - b.startMs;
      const inside = Math.min(to, b.endMs) - Math.max(from, b.startMs);
      activeMs += span > 0 ? (b.activeMs * Math.max(0, inside)) / span : b.activeMs;
    }
    return {
      domain: run.domain,
      startMs,
      endMs,
      activeMs: Math.round(activeMs),
      left: (Math.max(startMs, day.startMs) - day.startMs) / length,
      right: (Math.min(endMs, day.endMs) - day.startMs) / length,
    };
  });
}
