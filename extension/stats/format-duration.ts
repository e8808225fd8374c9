/**
 * Durations as people read them. Pure (no i18n lookup) so it is testable
 * anywhere; the unit letters are the same in every locale we ship.
 */
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

/** "2 h 05 min", "12 min", "45 s", "0 s": the largest two units that matter. */
export function formatDuration(ms: number): string {
  const safe = Math.max(0, Math.round(ms));
  if (safe >= HOUR) {
    const hours = Math.floor(safe / HOUR);
    const minutes = Math.floor((safe % HOUR) / MIN);
    return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  }
  if (safe >= MIN) return `${Math.floor(safe / MIN)} min`;
  return `${Math.floor(safe / SEC)} s`;
}

/** Short weekday and day of month of a 'YYYY-MM-DD' day, e.g. "Mon 13", in the given locale. */
export function formatDayLabel(day: string, locale?: string): string {
  const date = new Date(`${day}T12:00:00Z`);
  const weekday = date.toLocaleDateString(locale, { weekday: 'short', timeZone: 'UTC' });
  return `${weekday} ${date.getUTCDate()}`;
}

/** Short weekday of a 'YYYY-MM-DD' day, e.g. "Mon": a label where "Mon 13" does not fit. */
export function formatWeekday(day: string, locale?: string): string {
  return new Date(`${day}T12:00:00Z`).toLocaleDateString(locale, {
    weekday: 'short',
    timeZone: 'UTC',
  });
}
