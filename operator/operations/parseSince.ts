import { isCalendarDate } from '../../handlers/domain/dates';
import { UsageError } from '../operatorError';

/**
 * `--since`: a date (2026-01-30, from its UTC midnight), a UTC time (2026-01-30T08:00, Z optional), or an
 * age (90s, 30m, 6h, 2d) before `now`.
 */
export function parseSince(value: string, now: Date): Date {
  const age = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(value.trim());
  if (age) {
    const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[age[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(age[1]) * unit * 1000);
  }
  if (isCalendarDate(value)) return new Date(`${value}T00:00:00.000Z`);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?$/.test(value) && isCalendarDate(value.slice(0, 10))) {
    const at = new Date(value.endsWith('Z') ? value : `${value}Z`);
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw new UsageError(`--since must be a date (2026-01-30), a UTC time (2026-01-30T08:00) or an age (30m, 6h, 2d), got "${value}"`);
}
