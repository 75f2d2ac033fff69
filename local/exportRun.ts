import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { GetTableCommand, type GlueClient } from '@aws-sdk/client-glue';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parquetMetadata } from 'hyparquet';
import { ContextError } from '../contracts/contextError';
import type { BucketRole } from './resources';

/**
 * Copies of what the run left in the emulator, which disappears with it: every object of every bucket
 * under `<dir>/<role>/<key as in S3>`, the tracking table as JSON lines and the catalog table as GetTable
 * returns it (`<dir>/catalog/<table>.json`). Also reads row counts from
 * the Parquet footers, so the summary states rows written from the files themselves.
 */

export interface StoredObject {
  role: BucketRole;
  key: string;
  bytes: number;
  body: Uint8Array;
}

export interface ParquetFile {
  key: string;
  date: string | null;
  bytes: number;
  rows: number;
}

export class ExportError extends ContextError {
  override readonly name = 'ExportError';
}

export async function readBucket(s3: S3Client, role: BucketRole, bucket: string): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const entry of page.Contents ?? []) {
      if (!entry.Key) continue;
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: entry.Key }));
      const body = object.Body ? await object.Body.transformToByteArray() : new Uint8Array();
      objects.push({ role, key: entry.Key, bytes: body.length, body });
    }
    token = page.NextContinuationToken;
  } while (token);
  return objects;
}

const OUTPUT_DATE_RE = /merged-parquet-(\d{4}-\d{2}-\d{2})\//;

export function parquetFiles(objects: readonly StoredObject[]): ParquetFile[] {
  return objects
    .filter((o) => o.role === 'output' && o.key.endsWith('.parquet'))
    .map((o) => {
      const buffer = o.body.buffer.slice(o.body.byteOffset, o.body.byteOffset + o.body.byteLength) as ArrayBuffer;
      let rows: number;
      try {
        rows = Number(parquetMetadata(buffer).num_rows);
      } catch (error) {
        throw new ExportError(
          `output object ${o.key} is not a readable Parquet file: ${(error as Error).message}`,
          { path: o.key },
          {
            cause: error,
          },
        );
      }
      return { key: o.key, date: OUTPUT_DATE_RE.exec(o.key)?.[1] ?? null, bytes: o.bytes, rows };
    });
}

export async function writeExport(dir: string, objects: readonly StoredObject[], items: readonly Record<string, unknown>[]): Promise<void> {
  const root = resolve(dir);
  for (const object of objects) {
    // A key ending in `/` is a folder marker, not a file.
    if (object.key.endsWith('/')) continue;
    const path = resolve(root, object.role, object.key);
    // S3 keys may hold `..`; a copy must never land outside the export directory.
    if (!path.startsWith(`${root}${sep}`)) throw new ExportError(`key ${object.key} would be written outside ${root}`, { path });
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, object.body);
  }
  await mkdir(join(root, 'tracking'), { recursive: true });
  await writeFile(
    join(root, 'tracking', 'items.ndjson'),
    items.map((item) => JSON.stringify(item)).join('\n') + (items.length ? '\n' : ''),
  );
}

/** The catalog table as GetTable returns it (the response without the SDK's $metadata). */
export async function readCatalogTable(glue: GlueClient, catalog: { database: string; table: string }): Promise<Record<string, unknown>> {
  const { $metadata: _metadata, ...response } = await glue.send(
    new GetTableCommand({ DatabaseName: catalog.database, Name: catalog.table }),
  );
  return response;
}

export async function writeCatalogExport(dir: string, table: string, response: Record<string, unknown>): Promise<void> {
  const root = resolve(dir, 'catalog');
  await mkdir(root, { recursive: true });
  await writeFile(join(root, `${table}.json`), `${JSON.stringify(response, null, 2)}\n`);
}
