import { checkSize, parseInputKey, QUARANTINE_REASONS } from '../domain/names';
import { decodeRecord, type ObjectCreated } from '../domain/s3Event';
import type { LambdaReport } from '../domain/lambdaReport';
import { quarantineFile } from './quarantineFile';
import type { BatchingDeps } from './deps';
import type { TrackedFile } from './ports';

export interface IncomingRecord {
  /** What the event source checkpoints on (the Kinesis sequence number). */
  id: string;
  data: string;
}

export interface IngestResult {
  failedIds: string[];
  datesTouched: string[];
  registered: number;
  bytesRegistered: number;
  duplicates: number;
  quarantined: LambdaReport['quarantined'];
  skipped: LambdaReport['skipped'];
  errors: LambdaReport['errors'];
  filesProcessed: number;
}

/**
 * Decodes, validates and registers a batch of records. Invalid names are quarantined, foreign records
 * skipped with a reason; a record whose registration failed is returned in `failedIds` so the event
 * source redelivers it (registration is idempotent, so redelivery is safe).
 */
export async function ingestRecords(deps: BatchingDeps, records: IncomingRecord[]): Promise<IngestResult> {
  const result: IngestResult = {
    failedIds: [],
    datesTouched: [],
    registered: 0,
    bytesRegistered: 0,
    duplicates: 0,
    quarantined: [],
    skipped: [],
    errors: [],
    filesProcessed: 0,
  };
  const byDate = new Map<string, { file: TrackedFile; id: string }[]>();

  for (const record of records) {
    const decoded = decodeRecord(record.data, { bucket: deps.config.inputBucket, prefix: deps.config.inputPrefix });
    if (decoded.kind === 'skip') {
      result.skipped.push({ reason: decoded.reason, detail: decoded.detail });
      deps.metrics.count('EventsSkipped', 1);
      deps.log.warn('record skipped', { reason: decoded.reason, detail: decoded.detail, id: record.id });
      continue;
    }
    result.filesProcessed += 1;
    const event = decoded.event;
    const name = parseInputKey(event.key);
    const sizeProblem = name.ok ? checkSize(event.sizeBytes, deps.config.maxFileBytes) : null;
    if (!name.ok || sizeProblem) {
      const reason = name.ok ? sizeProblem! : name.reason;
      try {
        const outcome = await quarantineFile(deps, event, reason, name.date);
        if (outcome === 'quarantined') result.quarantined.push({ key: event.key, reason, detail: QUARANTINE_REASONS[reason] });
        if (outcome === 'source-missing') result.skipped.push({ reason: 'source-missing', detail: `${event.key} was deleted before it could be quarantined` });
      } catch (error) {
        result.failedIds.push(record.id);
        result.errors.push({ stage: 'quarantine', message: describe(error) });
        deps.log.error('quarantine failed; the record will be retried', { key: event.key, error: describe(error) });
      }
      continue;
    }
    const group = byDate.get(name.date) ?? [];
    group.push({ file: trackedFile(name.date, event), id: record.id });
    byDate.set(name.date, group);
  }

  for (const [date, group] of byDate) {
    try {
      const outcome = await deps.tracking.registerFiles(date, group.map((g) => g.file));
      result.registered += outcome.registered.length;
      result.duplicates += outcome.duplicates.length;
      const bytes = outcome.registered.reduce((sum, f) => sum + f.sizeBytes, 0);
      result.bytesRegistered += bytes;
      deps.metrics.count('FilesTracked', outcome.registered.length);
      deps.metrics.bytes('BytesTracked', bytes);
      deps.metrics.count('DuplicateEvents', outcome.duplicates.length);
      result.datesTouched.push(date);
    } catch (error) {
      result.failedIds.push(...group.map((g) => g.id));
      result.errors.push({ stage: 'register', message: describe(error), date_prefix: date });
      deps.log.error('registration failed; the records will be retried', { date, files: group.length, error: describe(error) });
    }
  }
  return result;
}

function trackedFile(date: string, event: ObjectCreated): TrackedFile {
  return {
    date,
    key: event.key,
    bucket: event.bucket,
    sizeBytes: event.sizeBytes,
    createdAt: event.createdAt,
    ...(event.etag ? { etag: event.etag } : {}),
  };
}

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
