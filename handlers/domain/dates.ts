/** All dates and times are UTC; "today" is the UTC date. */

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `value` is YYYY-MM-DD and names a real calendar day (2025-02-30 is not one). */
export function isCalendarDate(value: string): boolean {
  const match = DATE_RE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

export function utcDate(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Dates compare as strings because YYYY-MM-DD sorts chronologically. */
export function isBeforeToday(date: string, now: Date): boolean {
  return date < utcDate(now);
}

/** `YYYYMMDD-HHMMSS` in UTC, the stamp the seed used in manifest names. */
export function compactStamp(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/** `YYYY-MM-DD-THHMMSS` in UTC, the stamp of metadata report names. */
export function reportStamp(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10)}-T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return utcDate(new Date(Date.UTC(y, m - 1, d + days)));
}

/** Epoch seconds `days` after `at`: the tracking table's TTL attribute. */
export function ttlAfterDays(at: Date, days: number): number {
  return Math.floor(at.getTime() / 1000) + days * 86_400;
}
