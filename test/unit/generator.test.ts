import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  delaySeconds,
  GeneratorInputError,
  generatedFileName,
  generateFile,
  generateFiles,
  randomUuid,
  recentDates,
  seededRandom,
} from '../../handlers/domain/generator';
import { parseInputKey } from '../../handlers/domain/names';

const NAME_RE = /^(\d{4}-\d{2}-\d{2})-test(\d{4})-(\d{6})-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.ndjson$/;

describe('generatedFileName', () => {
  it('follows <date>-test<NNNN>-<HHMMSS>-<uuid>.ndjson with the UTC time', () => {
    // Prepare
    const at = new Date('2026-01-30T23:45:07.123Z');
    const uuid = randomUuid(seededRandom(1));

    // Act
    const name = generatedFileName('2026-01-30', 7, at, uuid);

    // Assert
    expect(name).toBe(`2026-01-30-test0007-234507-${uuid}.ndjson`);
    expect(name).toMatch(NAME_RE);
  });

  it('rejects an index that does not fit four digits', () => {
    // Prepare
    const at = new Date('2026-01-30T00:00:00Z');

    // Act
    const act = () => generatedFileName('2026-01-30', 10_000, at, 'u');

    // Assert
    expect(act).toThrow(GeneratorInputError);
  });

  it('always yields a name the batcher accepts, with the date it was given (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 9999 }),
        fc.integer(),
        (at, index, seed) => {
          // Prepare
          const date = at.toISOString().slice(0, 10);

          // Act
          const name = generatedFileName(date, index, at, randomUuid(seededRandom(seed)));

          // Assert
          const parsed = parseInputKey(`pipeline/input/${name}`);
          expect(parsed).toEqual({ ok: true, date, basename: name });
          expect(name).toMatch(NAME_RE);
        },
      ),
    );
  });
});

describe('recentDates', () => {
  it('is today (UTC) and the days before it, oldest first', () => {
    // Prepare: 23:30 on Jan 1st in New York is already Jan 2nd in UTC.
    const now = new Date('2026-01-02T04:30:00Z');

    // Act
    const dates = recentDates(3, now);

    // Assert
    expect(dates).toEqual(['2025-12-31', '2026-01-01', '2026-01-02']);
  });
});

describe('delaySeconds', () => {
  it('maps the seed rates to 0/1/5/10 s and random to 1-10 s; an explicit delay wins', () => {
    // Prepare
    const random = seededRandom('rates');

    // Act
    const fixed = (['immediate', 'fast', 'medium', 'slow'] as const).map((rate) => delaySeconds(rate, random));
    const randoms = Array.from({ length: 200 }, () => delaySeconds('random', random));
    const explicit = delaySeconds('slow', random, 2.5);

    // Assert
    expect(fixed).toEqual([0, 1, 5, 10]);
    expect(Math.min(...randoms)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...randoms)).toBeLessThanOrEqual(10);
    expect(new Set(randoms).size).toBeGreaterThan(10);
    expect(explicit).toBe(2.5);
  });
});

describe('generateFile', () => {
  it('writes the requested number of seed-like records of its date', () => {
    // Prepare
    const random = seededRandom('records');

    // Act
    const file = generateFile(random, { date: '2026-01-30', index: 1, at: new Date('2026-01-30T10:00:00Z'), size: { records: 300 } });

    // Assert
    const records = file.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records).toHaveLength(300);
    expect(file.records).toBe(300);
    expect(file.bytes).toBe(Buffer.byteLength(file.body));
    expect(new Set(records.map((r) => r.id)).size).toBe(300);
    for (const record of records) {
      expect(record.timestamp.slice(0, 10)).toBe('2026-01-30');
      expect(Number.isNaN(Date.parse(record.timestamp))).toBe(false);
      expect(typeof record.user_id).toBe('string');
      expect(typeof record.event_type).toBe('string');
      expect(typeof record.custom_data.feature_flags).toBe('object');
    }
    const revenues = records.map((r) => r.revenue as number);
    expect(revenues.some((v) => v === 0)).toBe(true);
    expect(revenues.some((v) => !Number.isInteger(v))).toBe(true);
    const flagKeySets = new Set(records.map((r) => Object.keys(r.custom_data.feature_flags).sort().join(',')));
    expect(flagKeySets.size).toBeGreaterThan(5);
  });

  it('grows a file until it reaches the target size', () => {
    // Prepare
    const random = seededRandom('size');

    // Act
    const file = generateFile(random, { date: '2026-01-30', index: 2, at: new Date(), size: { targetBytes: 50_000 } });

    // Assert
    expect(file.bytes).toBeGreaterThanOrEqual(50_000);
    expect(file.bytes).toBeLessThan(51_000);
  });
});

describe('generateFiles', () => {
  it('is deterministic for a seed and different for another', () => {
    // Prepare
    const input = { fileCount: 5, dates: ['2026-01-29', '2026-01-30'], size: { records: 20 }, at: new Date('2026-01-30T08:00:00Z') };

    // Act
    const first = [...generateFiles(seededRandom(42), input)];
    const again = [...generateFiles(seededRandom(42), input)];
    const other = [...generateFiles(seededRandom(43), input)];

    // Assert
    expect(again).toEqual(first);
    expect(other.map((f) => f.name)).not.toEqual(first.map((f) => f.name));
  });

  it('deals dates round-robin and numbers files per date', () => {
    // Prepare
    const input = { fileCount: 5, dates: ['2026-01-29', '2026-01-30'], size: { records: 1 }, at: new Date('2026-01-30T08:00:00Z') };

    // Act
    const files = [...generateFiles(seededRandom(7), input)];

    // Assert
    expect(files.map((f) => f.name.slice(0, 19))).toEqual([
      '2026-01-29-test0001',
      '2026-01-30-test0001',
      '2026-01-29-test0002',
      '2026-01-30-test0002',
      '2026-01-29-test0003',
    ]);
  });
});
