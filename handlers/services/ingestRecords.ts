import { Metric } from '../../contracts/metrics';
import type { LambdaReport } from '../domain/lambdaReport';
import { checkSize, parseInputKey, QUARANTINE_REASONS } from '../domain/names';
import { decodeRecord, type ObjectCreated } from '../domain/s3Event';
import type { BatchingDeps } from './deps';
import { describeError } from './describeError';
import type { TrackedFile } from './ports';
import { quarantineFile } from './quarantineFile';
import { registerFiles } from './registerFiles';
import { forEachLimited, HEAD_CONCURRENCY, resolveEventKeys } from './resolveEventKeys';

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
  const byDate = new Map<string, Entry[]>();

  const decodedEvents: { record: IncomingRecord; event: ObjectCreated }[] = [];
  for (const record of records) {
    const decoded = decodeRecord(record.data, { bucket: deps.config.inputBucket, prefix: deps.config.inputPrefix });
    if (decoded.kind === 'skip') {
      result.skipped.push({ reason: decoded.reason, detail: decoded.detail });
      deps.metrics.add(Metric.EventsSkipped, 1);
      deps.log.warn('record skipped', { reason: decoded.reason, detail: decoded.detail, id: record.id });
      continue;
    }
    decodedEvents.push({ record, event: decoded.event });
  }
  const resolutions = await resolveEventKeys(
    deps,
    decodedEvents.map((d) => d.event),
  );

  for (const { record, event: announced } of decodedEvents) {
    result.filesProcessed += 1;
    const resolution = resolutions.get(announced);
    if (resolution?.kind === 'unknown') {
      result.failedIds.push(record.id);
      result.errors.push({ stage: 'resolve-key', message: resolution.message });
      deps.log.error('could not tell which object the event names; the record will be retried', {
        candidates: announced.keyCandidates,
        error: resolution.message,
      });
      continue;
    }
    if (resolution?.kind === 'unresolved') {
      result.skipped.push({ reason: 'source-missing', detail: resolution.detail });
      continue;
    }
    const objects = resolution?.kind === 'resolved' ? resolution.objects : [{ event: announced, checked: false }];
    for (const { event, checked } of objects) {
      const name = parseInputKey(event.key);
      const sizeProblem = name.ok ? checkSize(event.sizeBytes, deps.config.maxFileBytes) : null;
      if (!name.ok || sizeProblem) {
        const reason = name.ok ? sizeProblem! : name.reason;
        try {
          const outcome = await quarantineFile(deps, event, reason, name.date);
          if (outcome === 'quarantined') result.quarantined.push({ key: event.key, reason, detail: QUARANTINE_REASONS[reason] });
          if (outcome === 'source-missing')
            result.skipped.push({ reason: 'source-missing', detail: `${event.key} was deleted before it could be quarantined` });
        } catch (error) {
          result.failedIds.push(record.id);
          result.errors.push({ stage: 'quarantine', message: describeError(error) });
          deps.log.error('quarantine failed; the record will be retried', { key: event.key, error: describeError(error) });
        }
        continue;
      }
      const group = byDate.get(name.date) ?? [];
      group.push({ file: trackedFile(name.date, event), id: record.id, checked });
      byDate.set(name.date, group);
    }
  }

  await dropMissingObjects(deps, byDate, result);

  for (const [date, group] of byDate) {
    try {
      const outcome = await registerFiles(
        deps.tracking,
        date,
        group.map((g) => g.file),
        deps.now(),
      );
      // New content under a tracked key is a file to convert like any other (README, "Overwritten and deleted inputs").
      const registered = [...outcome.registered, ...(outcome.newVersions ?? [])];
      const duplicateEvents = countDuplicateEvents(group, registered);
      result.registered += registered.length;
      result.duplicates += duplicateEvents;
      const bytes = registered.reduce((sum, f) => sum + f.sizeBytes, 0);
      result.bytesRegistered += bytes;
      for (const file of outcome.newVersions ?? []) {
        deps.log.info('a tracked key holds new content: registered as a new version', { key: file.key, etag: file.etag });
      }
      deps.metrics.add(Metric.FilesTracked, registered.length);
      deps.metrics.add(Metric.BytesTracked, bytes);
      deps.metrics.add(Metric.DuplicateEvents, duplicateEvents);
      result.datesTouched.push(date);
    } catch (error) {
      result.failedIds.push(...group.map((g) => g.id));
      result.errors.push({ stage: 'register', message: describeError(error), date_prefix: date });
      deps.log.error('registration failed; the records will be retried', { date, files: group.length, error: describeError(error) });
    }
  }
  // A record whose event resolved to twin objects has an entry for each.
  result.failedIds = [...new Set(result.failedIds)];
  return result;
}

interface Entry {
  file: TrackedFile;
  /** The record the event came in; it is retried when the registration fails. */
  id: string;
  checked: boolean;
}

/**
 * Events that registered nothing new. An event resolved to twin objects registered something if either was
 * new; each new file is credited to one event, those with fewer objects first, so two events of twins in one
 * batch are both counted as new, not one as a duplicate, whichever order they came in.
 */
function countDuplicateEvents(entries: readonly Entry[], registered: readonly TrackedFile[]): number {
  const fresh = new Set(registered.map((f) => f.key));
  const keysByRecord = new Map<string, string[]>();
  for (const { id, file } of entries) keysByRecord.set(id, [...(keysByRecord.get(id) ?? []), file.key]);
  let duplicates = 0;
  for (const keys of [...keysByRecord.values()].sort((x, y) => x.length - y.length)) {
    // Every new key an event has is taken: a redelivered twin event finds none left, as a duplicate should.
    if (keys.filter((key) => fresh.delete(key)).length === 0) duplicates += 1;
  }
  return duplicates;
}

/**
 * An object deleted between its event and now would only fail its Glue run later; it is skipped here,
 * with a metric and a line in the report. HEAD also gives the object's current ETag, which the manifest
 * carries so the Glue job can refuse a file that changed after it was batched.
 */
async function dropMissingObjects(deps: BatchingDeps, byDate: Map<string, Entry[]>, result: IngestResult): Promise<void> {
  // An object whose key was resolved by HeadObject a moment ago was found with the event's ETag already.
  const entries = [...byDate.values()].flat().filter((entry) => !entry.checked);
  const missing = new Set<TrackedFile>();
  await forEachLimited(entries, HEAD_CONCURRENCY, async (entry) => {
    try {
      const head = await deps.objects.head(entry.file.bucket, entry.file.key);
      if (!head) missing.add(entry.file);
      else if (head.etag) entry.file.etag = head.etag;
    } catch (error) {
      // Not knowing is not the same as missing: register it; Glue names it clearly if it is gone.
      deps.log.warn('could not check the object; registering it as announced', { key: entry.file.key, error: describeError(error) });
    }
  });
  if (missing.size === 0) return;
  for (const [date, group] of byDate) {
    const kept = group.filter((g) => !missing.has(g.file));
    if (kept.length === 0) byDate.delete(date);
    else byDate.set(date, kept);
  }
  for (const file of missing) {
    result.skipped.push({ reason: 'source-missing', detail: `${file.key} was deleted before it was processed` });
    deps.metrics.add(Metric.ObjectsMissing, 1);
    deps.log.warn('object named in an event no longer exists; skipped', { key: file.key });
  }
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
