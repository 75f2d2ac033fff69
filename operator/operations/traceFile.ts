import {
  classifyItem,
  type FileItem,
  itemOfKind,
  MANIFEST_STATUS,
  manifestKey,
  type QuarantineItem,
  quarantineKey,
  UNDATED_PARTITION,
} from '../../contracts/trackingSchema';
import { S3ObjectStore } from '../../handlers/adapters/s3ObjectStore';
import { s3Uri } from '../../handlers/domain/manifest';
import { basenameOf, parseInputKey } from '../../handlers/domain/names';
import { describeExecution, type ExecutionView } from '../adapters/executionReader';
import { ObjectReader } from '../adapters/objectReader';
import { TrackingReader } from '../adapters/trackingReader';
import { NotFoundError } from '../operatorError';
import type { PipelineTarget } from '../target/pipelineTarget';
import { type ManifestView, manifestView } from './dateStatus';
import { type GlueReportRow, reportRow } from './reportRows';
import { withJobRunCosts } from './withJobRunCosts';

/**
 * Where one input file is: tracked or quarantined, which manifest holds it, how that manifest's execution
 * went, which Parquet folder and files its rows are in, and which of its lines were rejected and why.
 */

/** `excluded`: its manifest's Glue run left it out, as it was overwritten or deleted after the manifest was built. */
export type TraceState = 'pending' | 'converting' | 'converted' | 'excluded' | 'failed' | 'quarantined';

/** A file the Glue run excluded (glue/ndjson_parquet/inputs.py), from its report's `excluded_files`. */
export interface ExcludedInput {
  reason: string;
  expectedEtag: string | null;
  actualEtag: string | null;
}

export interface RejectedLine {
  line_number: number;
  reason: string;
  raw_line: string;
}

export interface FileTrace {
  key: string;
  date: string;
  state: TraceState;
  file: { path: string; sizeBytes: number; createdAt: string | null; updatedAt: string | null; status: string } | null;
  quarantine: { reason: string; detail: string | null; path: string | null } | null;
  manifest: ManifestView | null;
  /** From Step Functions on AWS; locally the emulator does not run executions, so the MANIFEST record speaks. */
  execution: (ExecutionView & { source: 'step-functions' }) | { arn: string | null; status: string; source: 'tracking-table' } | null;
  output: { folder: string; files: { key: string; sizeBytes: number }[] } | null;
  glue: {
    reportKey: string;
    linesRead: number | null;
    rowsWritten: number | null;
    linesRejected: number | null;
    status: string | null;
    excluded: ExcludedInput | null;
    /** The run that converted (or failed on) the file's manifest: its capacity and what it cost. */
    run: Pick<
      GlueReportRow,
      | 'jobRunId'
      | 'workerType'
      | 'numberOfWorkers'
      | 'executionClass'
      | 'durationSeconds'
      | 'dpuSeconds'
      | 'usd'
      | 'estimated'
      | 'costSource'
    >;
  } | null;
  rejects: { path: string; lines: RejectedLine[] } | null;
}

type FoundItems = { key: string; date: string } & (
  | { file: FileItem; quarantine: QuarantineItem | null }
  | { file: null; quarantine: QuarantineItem }
);

async function findItems(reader: TrackingReader, target: PipelineTarget, query: string): Promise<FoundItems> {
  const name = basenameOf(query);
  const parsed = parseInputKey(name);
  const date = parsed.ok ? parsed.date : UNDATED_PARTITION;
  const dates = parsed.ok || !parsed.date ? [date] : [parsed.date, UNDATED_PARTITION];
  // A bare name is looked for under the input prefix first, then as given; a key is taken as given.
  const keys = query.includes('/') ? [query] : [`${target.config.inputPrefix}${query}`, query];
  for (const d of dates) {
    for (const key of keys) {
      const [file, quarantine] = await Promise.all([reader.item(d, key), reader.item(d, quarantineKey(key))]);
      const fileItem = itemOfKind(file, 'file');
      const quarantineItem = itemOfKind(quarantine, 'quarantine');
      if (fileItem) return { key, date: d, file: fileItem, quarantine: quarantineItem };
      if (quarantineItem) return { key, date: d, file: null, quarantine: quarantineItem };
    }
  }
  // Another prefix than the configured one: the date's pending markers and quarantines name their keys. Its
  // manifested files are not listed: that would read every file item of the date (100,000+ on a busy one).
  for (const d of dates) {
    for (const raw of await reader.markersAndQuarantines(d)) {
      const item = classifyItem(raw);
      if (item.kind === 'pending' && basenameOf(item.key) === name) {
        const file = itemOfKind(await reader.item(d, item.key), 'file');
        if (file) return { key: item.key, date: d, file, quarantine: null };
      }
      if (item.kind === 'quarantine' && basenameOf(item.key) === name) return { key: item.key, date: d, file: null, quarantine: item };
    }
  }
  throw new NotFoundError(
    `${query} is not tracked in ${target.description} (looked under ${dates.join(' and ')}): it never arrived, or its item expired (TTL ${target.config.ttlDays} days). ` +
      `A file outside the input prefix ${target.config.inputPrefix} is found by its whole object key.`,
  );
}

/** The Glue report of a manifest: written when the run ends, so listed under the days it could have ended. */
async function findGlueReport(target: PipelineTarget, manifest: ManifestView): Promise<GlueReportRow | null> {
  const reader = new ObjectReader(target.clients.s3);
  const store = new S3ObjectStore(target.clients.s3);
  const bucket = target.config.manifestBucket;
  const days = [
    ...new Set([manifest.completedAt, manifest.updatedAt, manifest.createdAt].flatMap((iso) => (iso ? [iso.slice(0, 10)] : []))),
  ]
    .sort()
    .reverse();
  let found: GlueReportRow | null = null;
  for (const day of days) {
    for (const object of (await reader.list(bucket, `logs/glue/${day}`)).reverse()) {
      const row = reportRow('glue', object.key, await store.getJson(bucket, object.key), target.prices) as GlueReportRow;
      // The newest report of the manifest: after a redrive, the run that counts.
      if (row.manifestId === manifest.id && (!found || (row.at ?? '') > (found.at ?? ''))) found = row;
    }
    if (found) break;
  }
  return found ? ((await withJobRunCosts(target, [found]))[0] ?? found) : null;
}

export async function traceFile(target: PipelineTarget, query: string): Promise<FileTrace> {
  const reader = new TrackingReader(target.clients.dynamo, target.config.tableName);
  const found = await findItems(reader, target, query);
  const { key, date } = found;
  if (!found.file) {
    const q = found.quarantine;
    return {
      key,
      date,
      state: 'quarantined',
      file: null,
      quarantine: { reason: q.reason ?? 'unknown', detail: q.detail, path: q.quarantinePath },
      manifest: null,
      execution: null,
      output: null,
      glue: null,
      rejects: null,
    };
  }
  const item = found.file;
  const file = {
    path: item.filePath,
    sizeBytes: item.sizeBytes,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    status: item.status,
  };
  const manifestItem = item.manifestName ? itemOfKind(await reader.item(date, manifestKey(item.manifestName)), 'manifest') : null;
  const manifest = manifestItem ? manifestView(manifestItem) : null;
  if (!manifest) {
    return {
      key,
      date,
      state: 'pending',
      file,
      quarantine: null,
      manifest: null,
      execution: null,
      output: null,
      glue: null,
      rejects: null,
    };
  }
  const state: TraceState =
    manifest.status === MANIFEST_STATUS.completed ? 'converted' : manifest.status === MANIFEST_STATUS.failed ? 'failed' : 'converting';
  let execution: FileTrace['execution'] = null;
  if (target.kind === 'aws' && manifest.executionArn) {
    const described = await describeExecution(target.clients.sfn, manifest.executionArn);
    execution = described ? { ...described, source: 'step-functions' } : null;
  } else {
    execution = { arn: manifest.executionArn, status: manifest.status, source: 'tracking-table' };
  }
  const objects = new ObjectReader(target.clients.s3);
  const folder = `${target.outputPrefix}merged-parquet-${date}/`;
  const parts = await objects.list(target.config.outputBucket, `${folder}${manifest.id}-part-`);
  const report = manifest.status === MANIFEST_STATUS.pending ? null : await findGlueReport(target, manifest);
  const perFile = report ? await perFileLines(target, report.key, file.path) : null;
  const excluded = perFile?.excluded ?? null;
  const rejectsKey = `${target.rejectsPrefix}${date}/${manifest.id}.ndjson`;
  const rejectsText = await objects.text(target.config.outputBucket, rejectsKey);
  const lines = (rejectsText ?? '')
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l): RejectedLine[] => {
      try {
        const row = JSON.parse(l) as { file?: string; line_number?: number; reason?: string; raw_line?: string };
        return row.file === file.path
          ? [{ line_number: Number(row.line_number), reason: String(row.reason), raw_line: String(row.raw_line ?? '') }]
          : [];
      } catch {
        return [];
      }
    });
  return {
    key,
    date,
    state: state === 'converted' && excluded ? 'excluded' : state,
    file,
    quarantine: null,
    manifest,
    execution,
    output: { folder: s3Uri(target.config.outputBucket, folder), files: parts.map((p) => ({ key: p.key, sizeBytes: p.sizeBytes })) },
    glue: report
      ? {
          reportKey: report.key,
          status: report.status,
          run: {
            jobRunId: report.jobRunId,
            workerType: report.workerType,
            numberOfWorkers: report.numberOfWorkers,
            executionClass: report.executionClass,
            durationSeconds: report.durationSeconds,
            dpuSeconds: report.dpuSeconds,
            usd: report.usd,
            estimated: report.estimated,
            costSource: report.costSource,
          },
          ...(perFile ?? { linesRead: null, rowsWritten: null, linesRejected: null, excluded: null }),
        }
      : null,
    rejects: rejectsText === null ? null : { path: s3Uri(target.config.outputBucket, rejectsKey), lines },
  };
}

async function perFileLines(
  target: PipelineTarget,
  reportKey: string,
  uri: string,
): Promise<{ linesRead: number | null; rowsWritten: number | null; linesRejected: number | null; excluded: ExcludedInput | null } | null> {
  const report = (await new S3ObjectStore(target.clients.s3).getJson(target.config.manifestBucket, reportKey)) as {
    files?: { uri?: string; lines_read?: number; rows_written?: number; lines_rejected?: number }[];
    excluded_files?: { uri?: string; reason?: string; expected_etag?: string | null; actual_etag?: string | null }[];
  };
  const gone = (report.excluded_files ?? []).find((f) => f.uri === uri);
  if (gone) {
    const excluded = { reason: gone.reason ?? 'unknown', expectedEtag: gone.expected_etag ?? null, actualEtag: gone.actual_etag ?? null };
    return { linesRead: null, rowsWritten: null, linesRejected: null, excluded };
  }
  const entry = (report.files ?? []).find((f) => f.uri === uri);
  return entry
    ? {
        linesRead: entry.lines_read ?? null,
        rowsWritten: entry.rows_written ?? null,
        linesRejected: entry.lines_rejected ?? null,
        excluded: null,
      }
    : null;
}
