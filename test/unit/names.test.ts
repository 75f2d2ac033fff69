import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSize, parseInputKey } from '../../handlers/domain/names';

describe('parseInputKey', () => {
  it.each([
    ['pipeline/input/2026-01-30-test0001-084532-uuid.ndjson', '2026-01-30'],
    ['2025-12-23-production-data.ndjson', '2025-12-23'],
    ['pipeline/input/nested/2024-02-29-leap day file.ndjson', '2024-02-29'],
    ['pipeline/input/2026-03-01-ü+%.ndjson', '2026-03-01'],
  ])('accepts %s with date %s', (key, date) => {
    // Act
    const parsed = parseInputKey(key);

    // Assert
    expect(parsed).toEqual({ ok: true, date, basename: key.slice(key.lastIndexOf('/') + 1) });
  });

  it.each([
    ['pipeline/input/myfile.ndjson', 'no-date-prefix'],
    ['pipeline/input/20251223-test.ndjson', 'bad-date-format'],
    ['pipeline/input/2025-02-30-x.ndjson', 'impossible-date'],
    ['pipeline/input/2025-13-01-x.ndjson', 'impossible-date'],
    ['pipeline/input/2023-02-29-x.ndjson', 'impossible-date'],
    ['pipeline/input/2025-12-23-x.json', 'wrong-extension'],
    ['pipeline/input/2025-12-23-x.ndjson.gz', 'wrong-extension'],
    ['pipeline/input/2025-12-23-.ndjson', 'empty-name'],
    ['MANIFEST#/2025-12-23-x.ndjson', 'reserved-key'],
    ['pipeline/input/2025-12-23', 'no-date-prefix'],
  ])('quarantines %s as %s', (key, reason) => {
    // Act
    const parsed = parseInputKey(key);

    // Assert
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? undefined : parsed.reason).toBe(reason);
  });

  it('takes the date from the basename, not from the prefix', () => {
    // Act
    const parsed = parseInputKey('2025-01-01-folder/2025-06-15-x.ndjson');

    // Assert
    expect(parsed).toMatchObject({ ok: true, date: '2025-06-15' });
  });

  it('accepts every real calendar date with any rest of name (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.stringMatching(/^[A-Za-z0-9 ._+-]{1,40}$/),
        (day, rest) => {
          const date = day.toISOString().slice(0, 10);
          const parsed = parseInputKey(`pipeline/input/${date}-${rest}.ndjson`);
          expect(parsed).toMatchObject({ ok: true, date });
        },
      ),
    );
  });
});

describe('checkSize', () => {
  it('quarantines empty and oversized objects', () => {
    expect(checkSize(0, 100)).toBe('empty-object');
    expect(checkSize(101, 100)).toBe('too-large');
    expect(checkSize(100, 100)).toBeNull();
  });
});

describe('parseInputKey near misses', () => {
  it.each(['2025_12_23-x.ndjson', '2025-1-5-x.ndjson', '2025.12.23-x.ndjson'])('calls %s a bad date format', (name) => {
    expect(parseInputKey(`pipeline/input/${name}`)).toMatchObject({ ok: false, reason: 'bad-date-format' });
  });
});
