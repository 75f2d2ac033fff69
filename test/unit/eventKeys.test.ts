import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CandidateHead, candidateKeys, encodeEventKey, findMatchingObjects, KEY_ENCODINGS } from '../../handlers/domain/eventKeys';

const keyArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 });
// Keys made of the characters the encodings disagree on, so collisions (`a b` / `a+b`) come up often.
const trickyKeyArb = fc.string({ unit: fc.constantFrom('a', ' ', '+', '%', '2', 'B', '0', '=', '/', 'ü'), minLength: 1, maxLength: 12 });

describe('event key encodings', () => {
  it('spells one key three ways: form as S3 documents, percent as EventBridge is reported to, raw', () => {
    const key = 'pipeline/input/2026-11-22-a b+c%d=e ü.ndjson';
    expect(encodeEventKey(key, 'form')).toBe('pipeline/input/2026-11-22-a+b%2Bc%25d%3De+%C3%BC.ndjson');
    expect(encodeEventKey(key, 'percent')).toBe('pipeline/input/2026-11-22-a%20b+c%25d%3De%20%C3%BC.ndjson');
    expect(encodeEventKey(key, 'raw')).toBe(key);
  });

  it('reads a + both ways, documented (space) first', () => {
    expect(candidateKeys('in/a+b.ndjson')).toEqual(['in/a b.ndjson', 'in/a+b.ndjson']);
    expect(candidateKeys('in/a%2Bb.ndjson')).toEqual(['in/a+b.ndjson', 'in/a%2Bb.ndjson']);
  });

  it('needs no lookup for a key every decoding reads alike', () => {
    expect(candidateKeys('pipeline/input/2026-11-22-x.ndjson')).toEqual(['pipeline/input/2026-11-22-x.ndjson']);
  });

  it('reads a key that is not valid URL encoding as raw', () => {
    expect(candidateKeys('in/100%.ndjson')).toEqual(['in/100%.ndjson']);
    expect(candidateKeys('in/%E0%A4%A.ndjson')).toEqual(['in/%E0%A4%A.ndjson']);
  });

  it.each(KEY_ENCODINGS)('finds the original key among the candidates of any key encoded %s (property)', (encoding) => {
    fc.assert(
      fc.property(fc.oneof(keyArb, trickyKeyArb), (key) => {
        const candidates = candidateKeys(encodeEventKey(key, encoding));
        expect(candidates).toContain(key);
        expect(new Set(candidates).size).toBe(candidates.length);
      }),
      { numRuns: 500 },
    );
  });
});

describe('findMatchingObjects', () => {
  const head = (sizeBytes: number, etag: string): CandidateHead => ({ sizeBytes, etag });
  const lookup = (objects: Record<string, CandidateHead>) => async (key: string) => objects[key] ?? null;
  const keysOf = (matches: { key: string }[]) => matches.map((m) => m.key);

  it('takes the candidate whose object has the event size and ETag, not a neighbour', async () => {
    const candidates = ['in/a b.ndjson', 'in/a+b.ndjson'];
    const objects = lookup({ 'in/a b.ndjson': head(16, 'aaa'), 'in/a+b.ndjson': head(8, 'bbb') });
    expect(await findMatchingObjects(candidates, { sizeBytes: 8, etag: 'bbb' }, objects)).toEqual([
      { key: 'in/a+b.ndjson', head: head(8, 'bbb') },
    ]);
    expect(keysOf(await findMatchingObjects(candidates, { sizeBytes: 16, etag: '"aaa"' }, objects))).toEqual(['in/a b.ndjson']);
  });

  it('takes none when no candidate matches size and ETag (deleted or overwritten)', async () => {
    const candidates = ['in/a b.ndjson', 'in/a+b.ndjson'];
    expect(await findMatchingObjects(candidates, { sizeBytes: 8, etag: 'ccc' }, lookup({ 'in/a+b.ndjson': head(8, 'bbb') }))).toEqual([]);
    expect(await findMatchingObjects(candidates, { sizeBytes: 8, etag: 'bbb' }, lookup({ 'in/a b.ndjson': head(9, 'bbb') }))).toEqual([]);
  });

  it('takes every identical object when several match, the documented decoding first, so none is left behind', async () => {
    const candidates = candidateKeys('in/a+b.ndjson');
    const found = await findMatchingObjects(candidates, { sizeBytes: 8, etag: 'same' }, async () => head(8, '"same"'));
    expect(found).toEqual([
      { key: 'in/a b.ndjson', head: head(8, '"same"') },
      { key: 'in/a+b.ndjson', head: head(8, '"same"') },
    ]);
  });

  it('returns exactly the candidates whose object is the announced one, in candidate order (property)', async () => {
    const headArb = fc.option(fc.record({ sizeBytes: fc.nat(3), etag: fc.constantFrom('x', 'y') }), { nil: null });
    await fc.assert(
      fc.asyncProperty(
        trickyKeyArb,
        fc.array(headArb, { minLength: 3, maxLength: 3 }),
        fc.nat(3),
        fc.constantFrom('x', 'y'),
        async (encoded, heads, size, etag) => {
          const candidates = candidateKeys(encoded);
          const objects = new Map(candidates.map((key, i) => [key, heads[i] ?? null]));
          const found = await findMatchingObjects(candidates, { sizeBytes: size, etag }, async (key) => objects.get(key) ?? null);
          const expected = candidates.filter((key) => objects.get(key)?.sizeBytes === size && objects.get(key)?.etag === etag);
          expect(keysOf(found)).toEqual(expected);
          for (const { key, head: foundHead } of found) expect(foundHead).toEqual(objects.get(key));
        },
      ),
    );
  });
});
