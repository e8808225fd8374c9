import { RecordDataError } from './visit-record.js';

/** Digits of a time's fraction past the millisecond (kept: PostgreSQL stores microseconds). */
const SUB_MS_DIGITS = /:\d\d\.\d{3}(\d+)/;

/**
 * The ISO time `iso` plus `ms` milliseconds, as PostgreSQL would compute
 * `iso::timestamptz + ms * interval '1 millisecond'`: the same instant, to the
 * microsecond. A time JavaScript cannot read is the data's fault: the error
 * sends the record to the dead-letter topic.
 */
export function shiftedTime(iso: string, ms: number): string {
  if (ms === 0) return iso;
  return shiftedWithinDay(iso, ms) ?? shiftedByDate(iso, ms);
}

/** shiftedTime by Date arithmetic, for any form Date reads (exported for the fast path's test). */
export function shiftedByDate(iso: string, ms: number): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) {
    throw new RecordDataError(`unreadable time ${JSON.stringify(iso)}`, '22007');
  }
  const when = new Date(t + ms);
  if (!Number.isFinite(when.getTime())) {
    throw new RecordDataError(
      `time ${JSON.stringify(iso)} shifted by ${ms} ms is out of range`,
      '22008',
    );
  }
  const shifted = when.toISOString();
  // The extension's own form (toISOString: milliseconds, Z) has nothing past the millisecond.
  if (iso.length === 24 && iso.charCodeAt(23) === 90 /* Z */) return shifted;
  const extra = SUB_MS_DIGITS.exec(iso)?.[1];
  return extra === undefined ? shifted : `${shifted.slice(0, -1)}${extra}Z`;
}

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** The decimal digits of s in [from, to) as a number, or NaN. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}

/** The last YYYY-MM-DD found to be a real day (a write's times share a few days). */
let realDay = '';

function isRealDay(day: string): boolean {
  if (day === realDay) return true;
  const t = Date.parse(`${day}T00:00:00.000Z`);
  if (!Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== day) return false;
  realDay = day;
  return true;
}

/**
 * shiftedByDate's answer, without parsing and formatting a Date, for the
 * extension's own form (YYYY-MM-DDTHH:MM:SS.mmmZ) when the shifted time stays
 * within the same UTC day; undefined otherwise. It runs twice per row, where
 * a Date's parse and format are a large share of the consumer's CPU.
 */
function shiftedWithinDay(iso: string, ms: number): string | undefined {
  if (
    iso.length !== 24 ||
    iso.charCodeAt(10) !== 84 /* T */ ||
    iso.charCodeAt(13) !== 58 /* : */ ||
    iso.charCodeAt(16) !== 58 ||
    iso.charCodeAt(19) !== 46 /* . */ ||
    iso.charCodeAt(23) !== 90 /* Z */ ||
    !Number.isSafeInteger(ms)
  ) {
    return undefined;
  }
  const h = digits(iso, 11, 13);
  const m = digits(iso, 14, 16);
  const s = digits(iso, 17, 19);
  const milli = digits(iso, 20, 23);
  // NaN fails every comparison: a non-digit falls through to Date.
  if (!(h < 24 && m < 60 && s < 60 && milli >= 0)) return undefined;
  const t = ((h * 60 + m) * 60 + s) * 1000 + milli + ms;
  if (!(t >= 0 && t < 86_400_000) || !isRealDay(iso.slice(0, 10))) return undefined;
  const sh = Math.floor(t / 3_600_000);
  const sm = Math.floor(t / 60_000) % 60;
  const ss = Math.floor(t / 1000) % 60;
  return `${iso.slice(0, 11)}${PAD2[sh]}:${PAD2[sm]}:${PAD2[ss]}.${PAD3[t % 1000]}Z`;
}
