/**
 * The few Go standard-library behaviours Grafana's SQL macro engine depends on, so that the
 * expansion here yields byte-for-byte what the Go code produces.
 */

/** time.Time.UTC().Format(time.RFC3339Nano): fraction only when non-zero, trailing zeros cut. */
export function formatRfc3339Nano(t: Date): string {
  const iso = t.toISOString();
  return iso.replace(/\.(\d{3})Z$/, (_m, frac: string) => {
    const cut = frac.replace(/0+$/, '');
    return cut === '' ? 'Z' : `.${cut}Z`;
  });
}

/** time.Time.Unix(): whole seconds, rounded down (Go keeps nanoseconds in [0, 1e9)). */
export function unixSeconds(t: Date): number {
  return Math.floor(t.getTime() / 1000);
}

/** time.Time.UnixNano(), exact: JavaScript numbers cannot hold it. */
export function unixNanos(t: Date): bigint {
  return BigInt(t.getTime()) * 1_000_000n;
}

/** fmt's %v for a float64: shortest digits, exponent form when the exponent is < -4 or >= 6. */
export function formatGoFloat(x: number): string {
  if (x === 0) return '0';
  const [mantissa = '', exponent = '0'] = x.toExponential().split('e');
  const exp = Number(exponent);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(x);
}

/** fmt's %.3f. */
export function formatGoFixed3(x: number): string {
  return x.toFixed(3);
}

const NANOS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** time.ParseDuration, in nanoseconds: "300ms", "1h30m", "1.5h" (no d/w/y units). */
export function parseGoDuration(input: string): number {
  const m = /^([-+]?)(.*)$/.exec(input);
  let rest = m?.[2] ?? '';
  const negative = m?.[1] === '-';
  if (rest === '0') return 0;
  if (rest === '') throw new Error(`time: invalid duration "${input}"`);
  let total = 0;
  while (rest !== '') {
    const part = /^([0-9]*(?:\.[0-9]*)?)([^0-9.]+)/.exec(rest);
    const unit = part === null ? undefined : NANOS[part[2] ?? ''];
    if (part === null || unit === undefined || part[1] === '' || part[1] === '.') {
      throw new Error(`time: invalid duration "${input}"`);
    }
    total += Number(part[1]) * unit;
    rest = rest.slice(part[0].length);
  }
  return negative ? -total : total;
}

/**
 * gtime.ParseInterval (grafana-plugin-sdk-go), in nanoseconds: d, w, M and y are calendar
 * steps from now in UTC; everything else is time.ParseDuration.
 */
export function parseGrafanaInterval(input: string, now: Date = new Date()): number {
  const m = /^(\d+)([dwMy])$/.exec(input);
  if (m === null) return parseGoDuration(input);
  const n = Number(m[1]);
  const y = now.getUTCFullYear();
  const mo = now.getUTCMonth();
  const d = now.getUTCDate();
  const rest = [now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds()] as const;
  const later =
    m[2] === 'd'
      ? Date.UTC(y, mo, d + n, ...rest)
      : m[2] === 'w'
        ? Date.UTC(y, mo, d + 7 * n, ...rest)
        : m[2] === 'M'
          ? Date.UTC(y, mo + n, d, ...rest)
          : Date.UTC(y + n, mo, d, ...rest);
  return (later - Date.UTC(y, mo, d, ...rest)) * 1e6;
}

/** gtime.FormatInterval: the largest whole unit, as Grafana writes $__interval. */
export function formatGrafanaInterval(ms: number): string {
  const units: Array<[string, number]> = [
    ['y', 365 * 86_400_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ];
  for (const [suffix, size] of units) {
    if (ms >= size) return `${Math.floor(ms / size)}${suffix}`;
  }
  return '1ms';
}
