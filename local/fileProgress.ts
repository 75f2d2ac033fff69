import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { MANIFEST_SK_PREFIX, s3Uri } from '../handlers/domain/manifest';
import { parseInputKey } from '../handlers/domain/names';

/**
 * Where each uploaded file stands, read from the tracking table: the table is the pipeline's source of
 * truth (MANIFEST records carry the Step Functions outcome), so the local run judges completion exactly
 * as an operator would on AWS. Items that lack the fields a reader needs are skipped, never fatal.
 */

export type FileState = 'unseen' | 'quarantined' | 'pending' | 'manifested' | 'converting' | 'converted' | 'failed';

export interface ManifestView {
  date: string;
  name: string;
  status: string;
  fileCount: number;
  errorMessage?: string;
  glueJobRunId?: string;
}

export interface FileView {
  key: string;
  date: string | null;
  state: FileState;
  manifest?: string;
  quarantineReason?: string;
}

export interface ProgressSnapshot {
  files: FileView[];
  manifests: ManifestView[];
  items: Record<string, unknown>[];
}

export async function scanTable(doc: DynamoDBDocumentClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    startKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (startKey);
  return items;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function assessFiles(items: Record<string, unknown>[], uploadedKeys: readonly string[], inputBucket: string): ProgressSnapshot {
  const fileItems = new Map<string, Record<string, unknown>>();
  const quarantined = new Map<string, Record<string, unknown>>();
  const manifests = new Map<string, ManifestView>();
  for (const item of items) {
    const date = str(item.date_prefix);
    const sortKey = str(item.file_key);
    if (!date || !sortKey) continue;
    if (sortKey.startsWith(MANIFEST_SK_PREFIX)) {
      const status = str(item.status);
      if (!status) continue;
      const name = sortKey.slice(MANIFEST_SK_PREFIX.length);
      const errorMessage = str(item.error_message);
      const glueJobRunId = str(item.glue_job_run_id);
      manifests.set(`${date}/${name}`, {
        date,
        name,
        status,
        fileCount: typeof item.file_count === 'number' ? item.file_count : Number(item.file_count ?? 0),
        ...(errorMessage ? { errorMessage } : {}),
        ...(glueJobRunId ? { glueJobRunId } : {}),
      });
    } else if (item.kind === 'quarantine' || str(item.status) === 'quarantined') {
      const source = str(item.source_path);
      if (source) quarantined.set(source, item);
    } else if (str(item.file_path) && str(item.status)) {
      fileItems.set(sortKey, item);
    }
  }

  const files = uploadedKeys.map((key): FileView => {
    const parsed = parseInputKey(key);
    const date = parsed.ok ? parsed.date : (parsed.date ?? null);
    const q = quarantined.get(s3Uri(inputBucket, key));
    if (q) return { key, date, state: 'quarantined', quarantineReason: str(q.reason) ?? 'unknown' };
    const item = fileItems.get(key);
    if (!item) return { key, date, state: 'unseen' };
    if (str(item.status) === 'pending') return { key, date, state: 'pending' };
    const manifestName = str(item.manifest_name);
    const manifest = manifestName && date ? manifests.get(`${date}/${manifestName}`) : undefined;
    if (!manifest) return { key, date, state: 'manifested', ...(manifestName ? { manifest: manifestName } : {}) };
    const state: FileState = manifest.status === 'completed' ? 'converted' : manifest.status === 'failed' ? 'failed' : 'converting';
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
