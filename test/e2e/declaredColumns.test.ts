import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { PROJECT_ROOT } from '../../local/projectRoot';
import { runCli } from './support/servedPipeline';

/**
 * Issue 15's first Done-when, as a user would try it: dev's config plus `schema.columns` (through
 * `local --stack-file`), a local run over two dates, then the output read the way Athena reads a table: by
 * the catalog table's columns, by name, in every date folder, a file that lacks a column reading it as null.
 * Athena reads Parquet by column name by default, which is what lets a table gain columns its older files lack
 * (https://docs.aws.amazon.com/athena/latest/ug/handling-schema-updates-chapter.html); that such a column
 * reads as null there is what the first query against a deployed stack should confirm (docs/glue.md).
 */

const DECLARED = { items_viewed: 'bigint', shipped_at: 'timestamp', amount: 'decimal(12,2)' };

const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
const FIRST = day(2);
const SECOND = day(1);

/** One input record: its JSON text as written (2^53+1 must reach the job as digits, not through a double). */
interface Row {
  id: string;
  date: string;
  json: string;
  items_viewed: bigint | null;
  /** Microseconds since the epoch, UTC. */
  shipped_at: bigint | null;
  amount: number | null;
  coupon: string | null;
  /** Rescued values, as JSON text under the field's name. */
  rescued: Record<string, string>;
}

const micros = (iso: string, extraMicros = 0n) => BigInt(Date.parse(iso)) * 1000n + extraMicros;

function row(date: string, id: string, fields: string, expected: Omit<Row, 'id' | 'date' | 'json' | 'coupon'> & { coupon?: string }): Row {
  return { id, date, json: `{"id":"${id}",${fields}}`, coupon: null, ...expected };
}

// Files per date, uploaded in this order; the second date's last file alone carries `coupon`, an undeclared
// field, and with --max-batch-files 2 it reaches only the flush's manifest, after its date's first one ran.
const FILES: { name: string; rows: Row[] }[] = [
  {
    name: `${FIRST}-test0001-100000-00000000-0000-4000-8000-000000000001.ndjson`,
    rows: [
      row(FIRST, 'a1', `"items_viewed":3,"shipped_at":"${FIRST}T10:15:30+02:00","amount":12.34`, {
        items_viewed: 3n,
        shipped_at: micros(`${FIRST}T08:15:30Z`),
        amount: 12.34,
        rescued: {},
      }),
      row(FIRST, 'a2', `"items_viewed":9007199254740993,"shipped_at":"${FIRST}T23:59:59.123456-05:00","amount":0.5`, {
        items_viewed: 9_007_199_254_740_993n,
        shipped_at: micros(`${FIRST}T23:59:59.123-05:00`, 456n),
        amount: 0.5,
        rescued: {},
      }),
      row(FIRST, 'a3', `"items_viewed":2.5,"shipped_at":"yesterday at noon","amount":1234567890123.456`, {
        items_viewed: null,
        shipped_at: null,
        amount: null,
        rescued: { items_viewed: '2.5', shipped_at: '"yesterday at noon"', amount: '1234567890123.456' },
      }),
    ],
  },
  {
    name: `${FIRST}-test0002-100001-00000000-0000-4000-8000-000000000002.ndjson`,
    rows: [
      row(FIRST, 'a4', `"items_viewed":-7,"shipped_at":"${FIRST}T10:00:00","amount":-99.99`, {
        items_viewed: -7n,
        shipped_at: micros(`${FIRST}T10:00:00Z`),
        amount: -99.99,
        rescued: {},
      }),
    ],
  },
  {
    name: `${SECOND}-test0003-100002-00000000-0000-4000-8000-000000000003.ndjson`,
    rows: [
      row(SECOND, 'b1', `"items_viewed":0,"shipped_at":"${SECOND}T00:00:00Z","amount":100`, {
        items_viewed: 0n,
        shipped_at: micros(`${SECOND}T00:00:00Z`),
        amount: 100,
        rescued: {},
      }),
    ],
  },
  {
    name: `${SECOND}-test0004-100003-00000000-0000-4000-8000-000000000004.ndjson`,
    rows: [
      row(SECOND, 'b2', `"items_viewed":42,"shipped_at":"${SECOND}T08:00:00.5+00:00","amount":1.1`, {
        items_viewed: 42n,
        shipped_at: micros(`${SECOND}T08:00:00.5Z`),
        amount: 1.1,
        rescued: {},
      }),
    ],
  },
  {
    name: `${SECOND}-test0005-100004-00000000-0000-4000-8000-000000000005.ndjson`,
    rows: [
      row(SECOND, 'b3', `"items_viewed":1,"shipped_at":"${SECOND}T12:00:00Z","amount":2.00,"coupon":"SPRING"`, {
        items_viewed: 1n,
        shipped_at: micros(`${SECOND}T12:00:00Z`),
        amount: 2,
        coupon: 'SPRING',
        rescued: {},
      }),
      row(SECOND, 'b4', `"items_viewed":5,"shipped_at":"${SECOND}T13:00:00Z","amount":3,"coupon":"FALL"`, {
        items_viewed: 5n,
        shipped_at: micros(`${SECOND}T13:00:00Z`),
        amount: 3,
        coupon: 'FALL',
        rescued: {},
      }),
    ],
  },
];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

type SchemaElement = ReturnType<typeof parquetSchema>['element'];

/** The catalog type a Parquet leaf column holds, as the catalog spells it (contracts/catalogTable.ts). */
function catalogTypeOf(element: SchemaElement): string {
  const logical = element.logical_type;
  if (element.type === 'INT64' && logical?.type === 'TIMESTAMP') {
    return logical.isAdjustedToUTC && logical.unit === 'MICROS' ? 'timestamp' : `timestamp ${JSON.stringify(logical)}`;
  }
  if (element.converted_type === 'DECIMAL') return `decimal(${element.precision},${element.scale})`;
  if (element.type === 'INT64' && !element.converted_type) return 'bigint';
  if (element.type === 'BYTE_ARRAY' && element.converted_type === 'UTF8') return 'string';
  if (element.type === 'DOUBLE') return 'double';
  if (element.type === 'BOOLEAN') return 'boolean';
  return `unmapped ${element.type}/${element.converted_type}`;
}

// The Glue job writes zstd (Spark's default codec for Parquet); hyparquet leaves that codec to the caller.
const compressors = { ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompressSync(input)) };
// Microseconds as written: hyparquet's default turns them into a Date, which keeps milliseconds only.
const parsers = { timestampFromMicroseconds: (us: bigint) => us };

describe('declared columns (end to end)', () => {
  it('writes INT64, UTC TIMESTAMP and DECIMAL(12,2) columns, rescues what does not fit, and the catalog reads every row by name', {
    timeout: 300_000,
  }, async () => {
    // Prepare
    const work = await mkdtemp(join(tmpdir(), 'e2e-declared-'));
    const stack = parseYaml(await readFile(join(PROJECT_ROOT, 'Pulumi.dev.yaml'), 'utf8'));
    stack.config['ndjson-parquet:pipeline'].schema = { columns: DECLARED };
    const stackFile = join(work, 'Pulumi.declared.yaml');
    await writeFile(stackFile, toYaml(stack));
    const input = join(work, 'input');
    await mkdir(input);
    for (const file of FILES) await writeFile(join(input, file.name), `${file.rows.map((r) => r.json).join('\n')}\n`);
    const out = join(work, 'out');

    // Act
    const run = await runCli([
      'local',
      '--stack-file',
      stackFile,
      '--input',
      input,
      '--rate',
      'fast',
      '--batching-window',
      '1',
      '--max-batch-files',
      '2',
      '--flush',
      '--out',
      out,
      '--run-dir',
      join(work, 'run'),
      '--json',
      '--timeout',
      '240',
    ]);

    // Assert
    expect(run.code, `stderr:\n${run.stderr}\nstdout:\n${run.stdout}`).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ status: 'succeeded', files_in: 5, quarantined: 0, converted: 5, failed: 0 });
    const manifests = (await filesUnder(join(out, 'manifest'))).filter((k) => k.startsWith('manifests/'));
    expect(manifests.length).toBeGreaterThanOrEqual(3);
    // The file carrying `coupon` went in a later manifest of its date than the files without it.
    const couponFile = FILES.at(-1)!.name;
    const couponManifests: string[] = [];
    for (const key of manifests) {
      const body = await readFile(join(out, 'manifest', key), 'utf8');
      if (body.includes(couponFile)) couponManifests.push(key);
    }
    expect(couponManifests).toEqual([expect.stringMatching(new RegExp(`^manifests/${SECOND}/batch-(?!0001-)`))]);

    const catalog = JSON.parse(await readFile(join(out, 'catalog', 'merged_parquet.json'), 'utf8'));
    const columns = catalog.Table.StorageDescriptor.Columns as { Name: string; Type: string }[];
    const catalogTypes = Object.fromEntries(columns.map((c) => [c.Name, c.Type]));
    expect(catalogTypes).toEqual({
      ...DECLARED,
      id: 'string',
      coupon: 'string',
      _rescued_data: 'map<string,string>',
      _source_file: 'string',
      _source_line: 'bigint',
    });
    expect(catalog.Table.PartitionKeys).toEqual([expect.objectContaining({ Name: 'date' })]);

    const parquet = (await filesUnder(join(out, 'output'))).filter((k) => k.endsWith('.parquet'));
    const read: Record<string, unknown>[] = [];
    const withCoupon: string[] = [];
    for (const key of parquet) {
      const date = /\/merged-parquet-(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];
      expect(date, key).toBeDefined();
      const body = await readFile(join(out, 'output', key));
      const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
      const metadata = parquetMetadata(file);
      const leaves = new Map(parquetSchema(metadata).children.map((c) => [c.element.name, c]));
      // Every column a file holds is in the catalog, with the catalog's type.
      for (const [name, node] of leaves) {
        if (name === 'date') continue;
        expect(catalogTypes[name], `${key}: ${name}`).toBeDefined();
        if (node.children.length === 0) expect(catalogTypeOf(node.element), `${key}: ${name}`).toBe(catalogTypes[name]);
      }
      if (leaves.has('coupon')) withCoupon.push(key);
      const held = columns.map((c) => c.Name).filter((name) => leaves.has(name));
      const rows = await parquetReadObjects({ file, metadata, columns: held, compressors, parsers });
      for (const r of rows) read.push({ ...Object.fromEntries(columns.map((c) => [c.Name, r[c.Name] ?? null])), date });
    }
    // The undeclared field reached the catalog though some files (every one of the first date's) lack it.
    expect(withCoupon.length).toBeGreaterThan(0);
    expect(withCoupon.length).toBeLessThan(parquet.length);

    const expected = FILES.flatMap((f) =>
      f.rows.map((r, line) => ({
        id: r.id,
        date: r.date,
        items_viewed: r.items_viewed,
        shipped_at: r.shipped_at,
        coupon: r.coupon,
        _rescued_data: r.rescued,
        _source_file: expect.stringContaining(f.name),
        _source_line: BigInt(line + 1),
      })),
    );
    const byId = (a: { id?: unknown }, b: { id?: unknown }) => String(a.id).localeCompare(String(b.id));
    const actual = [...read].sort(byId);
    expect(actual.map(({ amount: _, ...rest }) => ({ ...rest, _rescued_data: rest._rescued_data ?? {} }))).toEqual(expected.sort(byId));
    // DECIMAL(12,2) comes back as unscaled digits times 10^-2, a double: compared to the cent.
    const amounts = Object.fromEntries(FILES.flatMap((f) => f.rows.map((r) => [r.id, r.amount])));
    for (const r of actual) {
      const want = amounts[String(r.id)];
      if (want === null) expect(r.amount, String(r.id)).toBeNull();
      else expect(r.amount as number, String(r.id)).toBeCloseTo(want as number, 6);
    }
  });
});
