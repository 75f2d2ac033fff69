import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  classifyItem,
  FILE_STATUS,
  type FileItem,
  MANIFEST_STATUS,
  type ManifestItem,
  type QuarantineItem,
  type RawTrackingItem,
} from '../contracts/trackingSchema';
import { s3Uri } from '../handlers/domain/manifest';
import { parseInputKey } from '../handlers/domain/names';

/**
 * Where each uploaded file stands, read from the tracking table: the table is the pipeline's source of
 * truth (MANIFEST records carry the Step Functions outcome), so the local run judges completion exactly
 * as an operator would on AWS. Items are read through the one classifier (contracts/trackingSchema.ts)
 * `status` and `trace` use, so the verdicts agree; items that lack the fields a reader needs are skipped.
 */

export type FileState = 'unseen' | 'quarantined' | 'pending' | 'manifested' | 'converting' | 'converted' | 'failed';

/** Where one uploaded file stands in the local run. */
export interface FileView {
  key: string;
  date: string | null;
  state: FileState;
  manifest?: string;
  quarantineReason?: string;
}

export interface ProgressSnapshot {
  files: FileView[];
  manifests: ManifestItem[];
  items: RawTrackingItem[];
}

export async function scanTable(doc: DynamoDBDocumentClient, tableName: string): Promise<RawTrackingItem[]> {
  const items: RawTrackingItem[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    items.push(...((page.Items ?? []) as RawTrackingItem[]));
    startKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (startKey);
  return items;
}

export function assessFiles(items: RawTrackingItem[], uploadedKeys: readonly string[], inputBucket: string): ProgressSnapshot {
  const fileItems = new Map<string, FileItem>();
  const quarantined = new Map<string, QuarantineItem>();
  const manifests = new Map<string, ManifestItem>();
  // Both items name the object they were made for; one of another bucket under the same key is not an upload of this run.
  const uploaded = (key: string, path: string | null) => path === s3Uri(inputBucket, key);
  for (const raw of items) {
    const item = classifyItem(raw);
    if (item.kind === 'manifest') manifests.set(`${item.date}/${item.name}`, item);
    else if (item.kind === 'quarantine' && uploaded(item.key, item.sourcePath)) quarantined.set(item.key, item);
    else if (item.kind === 'file' && uploaded(item.key, item.filePath)) fileItems.set(item.key, item);
  }

  const files = uploadedKeys.map((key): FileView => {
    const parsed = parseInputKey(key);
    const date = parsed.ok ? parsed.date : (parsed.date ?? null);
    const q = quarantined.get(key);
    if (q) return { key, date, state: 'quarantined', quarantineReason: q.reason ?? 'unknown' };
    const item = fileItems.get(key);
    if (!item) return { key, date, state: 'unseen' };
    if (item.status === FILE_STATUS.pending) return { key, date, state: 'pending' };
    const manifest = item.manifestName ? manifests.get(`${item.date}/${item.manifestName}`) : undefined;
    if (!manifest) return { key, date, state: 'manifested', ...(item.manifestName ? { manifest: item.manifestName } : {}) };
    const state: FileState =
      manifest.status === MANIFEST_STATUS.completed ? 'converted' : manifest.status === MANIFEST_STATUS.failed ? 'failed' : 'converting';
    return { key, date, state, manifest: manifest.name };
  });
  return { files, manifests: [...manifests.values()], items };
}

export function countStates(files: readonly FileView[]): Record<FileState, number> {
  const counts: Record<FileState, number> = {
    unseen: 0,
    quarantined: 0,
    pending: 0,
    manifested: 0,
    converting: 0,
    converted: 0,
    failed: 0,
  };
  for (const file of files) counts[file.state] += 1;
  return counts;
}
