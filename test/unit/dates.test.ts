import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, compactStamp, isBeforeToday, isCalendarDate, reportStamp, utcDate } from '../../handlers/domain/dates';

describe('dates (UTC)', () => {
  it('knows leap years and month lengths', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2100-02-29')).toBe(false);
    expect(isCalendarDate('2000-02-29')).toBe(true);
    expect(isCalendarDate('2025-04-31')).toBe(false);
    expect(isCalendarDate('2025-00-10')).toBe(false);
    expect(isCalendarDate('2025-1-10')).toBe(false);
  });

  it('agrees with the calendar for every day (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z'), noInvalidDate: true }), (day) => {
        expect(isCalendarDate(utcDate(day))).toBe(true);
      }),
    );
  });

  it('uses the UTC date: 23:30 in New York on the 29th is already the 30th', () => {
    // Prepare
    const now = new Date('2026-01-30T04:30:00Z');

    // Act / Assert
    expect(utcDate(now)).toBe('2026-01-30');
    expect(isBeforeToday('2026-01-29', now)).toBe(true);
    expect(isBeforeToday('2026-01-30', now)).toBe(false);
  });

  it('formats the seed stamps', () => {
    const at = new Date('2026-01-30T08:50:37.456Z');
    expect(compactStamp(at)).toBe('20260130-085037');
    expect(reportStamp(at)).toBe('2026-01-30-T085037');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});
