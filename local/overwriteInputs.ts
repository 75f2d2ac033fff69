import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { fileKey, tableKey } from '../contracts/trackingSchema';
import type { Random } from '../handlers/domain/generator';
import { parseInputKey } from '../handlers/domain/names';
import type { LocalRuntime } from './runtime';
import { countRecords, type UploadedFile, uploadItems } from './uploadSources';

/**
 * The `local --overwrite RATE` fault: that share of the uploaded files is put again with other content once
 * its first content is registered, through the eventing uploader, so S3's Object Created event for the new
 * content reaches the stream as it would on AWS. What the pipeline must then do (README, "Overwritten and
 * deleted inputs"): convert the new content exactly once; the replaced content was converted once or not at all.
 */

export interface Overwrite {
  key: string;
  /** The content the key held before: its records may be in Parquet at most once, and need not be. */
  replaced: Buffer;
}

/** Other content for the same key: every record a new id, one record fewer (so the size changes too). */
export function otherContent(body: Buffer): Buffer {
  const lines = body
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim());
  const kept = lines.length > 1 ? lines.slice(0, -1) : lines;
  const renamed = kept.map((line) => {
    const record = JSON.parse(line) as Record<string, unknown>;
    return `${JSON.stringify({ ...record, id: `${String(record.id)}-v2` })}\n`;
  });
  return Buffer.from(renamed.join(''));
}

export async function overwriteInputs(
  runtime: LocalRuntime,
  uploaded: UploadedFile[],
  bodies: ReadonlyMap<string, Buffer>,
  rate: number,
  random: Random,
  deadline: number,
): Promise<Overwrite[]> {
  const chosen = uploaded.filter((file) => parseInputKey(file.key).ok && random() < rate);
  const overwrites: Overwrite[] = [];
  for (const file of chosen) {
    const date = parseInputKey(file.key);
    const body = bodies.get(file.key);
    if (!date.ok || !body) continue;
    await registered(runtime, date.date, file.key, deadline);
    const next = otherContent(body);
    const [put] = await uploadItems(
      runtime.uploader,
      { bucket: runtime.resources.inputBucket, prefix: '' },
      [{ name: file.key, body: next, records: countRecords(next) }],
      { rate: 'immediate' },
      random,
    );
    Object.assign(file, { bytes: put!.bytes, records: put!.records });
    overwrites.push({ key: file.key, replaced: body });
  }
  return overwrites;
}

/** Waits until the key's file item exists: the first content was registered. */
async function registered(runtime: LocalRuntime, date: string, key: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const got = await runtime.clients.dynamo.send(
      new GetCommand({ TableName: runtime.resources.tableName, Key: tableKey(date, fileKey(key)), ConsistentRead: true }),
    );
    if (got.Item) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The replaced contents, beside a run's export (`<dir>/superseded/<key>`): the exactly-once check
 * (local/exactlyOnce.ts) requires each file's current content and allows these at most once.
 */
export async function writeSuperseded(dir: string, overwrites: readonly Overwrite[]): Promise<void> {
  const root = resolve(dir, SUPERSEDED_DIR);
  for (const { key, replaced } of overwrites) {
    const path = resolve(root, key);
    if (!path.startsWith(`${root}${sep}`)) continue;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, replaced);
  }
}

export const SUPERSEDED_DIR = 'superseded';
