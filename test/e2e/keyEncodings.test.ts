import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { KEY_ENCODINGS } from '../../handlers/domain/eventKeys';
import { runCli } from './support/servedPipeline';

/**
 * `local --input DIR --key-encoding form|percent|raw`: the shim spells every object key in its event the
 * chosen way (S3 documents form encoding; users report EventBridge's percent encoding with a raw `+`;
 * raw as S3-compatible stores send), and every file, whatever its name, is converted exactly once.
 */

const PREFIX = 'pipeline/input/';
const today = new Date().toISOString().slice(0, 10);

/** A name whose key (`pipeline/input/<name>`) is exactly `bytes` long, in directories of at most 200 bytes (a file system allows 255 a name). */
function longName(bytes: number): string {
  const basenameStart = `${today}-long-`;
  const dirs: string[] = [];
  let used = Buffer.byteLength(PREFIX);
  while (bytes - used - basenameStart.length - '.ndjson'.length > 200) {
    dirs.push('d'.repeat(199));
    used += 200;
  }
  return [...dirs, `${basenameStart}${'x'.repeat(bytes - used - basenameStart.length - '.ndjson'.length)}.ndjson`].join('/');
}

/** Each file's records carry its tag, so the rows of each file can be counted in the Parquet output. */
const FILES = [
  { tag: 'space', name: `${today}-a b.ndjson`, records: 2 },
  { tag: 'plus', name: `${today}-a+b.ndjson`, records: 3 },
  { tag: 'percent', name: `${today}-100%.ndjson`, records: 4 },
  { tag: 'equals', name: `${today}-k=v&x.ndjson`, records: 5 },
  { tag: 'unicode', name: `${today}-données-ü-日本.ndjson`, records: 6 },
  { tag: 'long', name: longName(1000), records: 7 },
];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

describe('ndjson-parquet local --key-encoding (end to end)', () => {
  it.each(KEY_ENCODINGS)(
    '%s: converts files named with a space, a plus, a percent sign, an equals sign, unicode and a 1,000-byte key, each exactly once',
    { timeout: 150_000 },
    async (encoding) => {
      // Prepare
      expect(Buffer.byteLength(`${PREFIX}${FILES.at(-1)!.name}`)).toBe(1000);
      const input = await mkdtemp(join(tmpdir(), `e2e-keys-${encoding}-`));
      const out = await mkdtemp(join(tmpdir(), `e2e-keys-out-${encoding}-`));
      for (const file of FILES) {
        const path = join(input, ...file.name.split('/'));
        await mkdir(dirname(path), { recursive: true });
        const lines = Array.from({ length: file.records }, (_, n) => JSON.stringify({ tag: file.tag, n }));
        await writeFile(path, `${lines.join('\n')}\n`);
      }

      // Act
      const run = await runCli([
        'local',
        '--input',
        input,
        '--key-encoding',
        encoding,
        '--batching-window',
        '1',
        '--flush',
        '--out',
        out,
        '--json',
        '--timeout',
        '120',
      ]);

      // Assert
      expect(run.code, `stderr:\n${run.stderr}\nstdout:\n${run.stdout}`).toBe(0);
      const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
      expect(summary).toMatchObject({ status: 'succeeded', files_in: FILES.length, converted: FILES.length, quarantined: 0, failed: 0 });
      expect(summary.metrics.ObjectsMissing ?? 0).toBe(0);

      const tracked = (await readFile(join(out, 'tracking', 'items.ndjson'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((i) => i.kind === 'file')
        .map((i) => i.file_key)
        .sort();
      expect(tracked).toEqual(FILES.map((f) => `${PREFIX}${f.name}`).sort());

      const rowsByTag = new Map<string, number[]>();
      for (const key of (await filesUnder(join(out, 'output'))).filter((k) => k.endsWith('.parquet'))) {
        const body = await readFile(join(out, 'output', key));
        const rows = await parquetReadObjects({
          file: body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
          // The job writes zstd by default (glue/ndjson_parquet/args.py); hyparquet leaves that codec to the caller.
          compressors: { ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompressSync(input)) },
        });
        for (const row of rows) rowsByTag.set(String(row.tag), [...(rowsByTag.get(String(row.tag)) ?? []), Number(row.n)]);
      }
      for (const file of FILES) {
        expect(
          rowsByTag.get(file.tag)?.sort((a, b) => a - b),
          file.tag,
        ).toEqual(Array.from({ length: file.records }, (_, n) => n));
      }
      expect(rowsByTag.size).toBe(FILES.length);
    },
  );
});
