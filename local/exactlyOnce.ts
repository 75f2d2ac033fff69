import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import { SUPERSEDED_DIR } from './overwriteInputs';

/**
 * Exactly once, record by record, from a run's export (`local --out DIR`): every record of every input file
 * (by its `id`, which the generator makes unique) is a row of exactly one Parquet file under output/, and
 * no row is a record that was not put in. Row counts alone would pass a lost record and a duplicate of
 * another; this does not. `input/` is each file's current content; what an overwrite replaced (`superseded/`,
 * local/overwriteInputs.ts) may have been converted before it was, so its records may be rows once, not twice.
 */

export interface ExactlyOnceReport {
  exactly_once: boolean;
  records_in: number;
  rows_out: number;
  /** Input records with no row. */
  missing: number;
  /** Records with more than one row. */
  duplicated: number;
  /** Rows that are no input record. */
  unexpected: number;
  /** Rows of content an overwrite replaced (`superseded/`): each allowed once, none required. */
  superseded_rows: number;
}

async function filesUnder(dir: string, suffix: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith(suffix)).map((e) => join(e.parentPath, e.name));
}

export async function checkExactlyOnce(outDir: string): Promise<ExactlyOnceReport> {
  const expected = new Set<string>();
  let recordsIn = 0;
  for (const path of await filesUnder(join(outDir, 'input'), '.ndjson')) {
    for (const line of (await readFile(path, 'utf8')).split('\n')) {
      if (!line.trim()) continue;
      recordsIn += 1;
      expected.add(String((JSON.parse(line) as { id?: unknown }).id));
    }
  }
  const superseded = new Set<string>();
  for (const path of await filesUnder(join(outDir, SUPERSEDED_DIR), '.ndjson')) {
    for (const line of (await readFile(path, 'utf8')).split('\n')) {
      if (line.trim()) superseded.add(String((JSON.parse(line) as { id?: unknown }).id));
    }
  }
  const seen = new Map<string, number>();
  let rowsOut = 0;
  for (const path of await filesUnder(join(outDir, 'output'), '.parquet')) {
    const body = await readFile(path);
    const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
    // The Glue job writes zstd (Spark's default codec for Parquet); hyparquet leaves that codec to the caller.
    const compressors = { ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompressSync(input)) };
    for (const row of await parquetReadObjects({ file, columns: ['id'], compressors })) {
      rowsOut += 1;
      const id = String(row.id);
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
  }
  const missing = [...expected].filter((id) => !seen.has(id)).length;
  const duplicated = [...seen.values()].filter((n) => n > 1).length;
  const unexpected = [...seen.keys()].filter((id) => !expected.has(id) && !superseded.has(id)).length;
  const supersededRows = [...seen.entries()].filter(([id]) => superseded.has(id) && !expected.has(id)).reduce((n, [, c]) => n + c, 0);
  return {
    exactly_once:
      recordsIn === expected.size && missing === 0 && duplicated === 0 && unexpected === 0 && rowsOut === recordsIn + supersededRows,
    records_in: recordsIn,
    rows_out: rowsOut,
    missing,
    duplicated,
    unexpected,
    superseded_rows: supersededRows,
  };
}
