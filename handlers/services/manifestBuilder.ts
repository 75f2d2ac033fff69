import { Metric } from '../../contracts/metrics';
import type { ReportManifest } from '../domain/lambdaReport';
import {
  buildManifest,
  executionInput,
  fromManifestDocument,
  type Manifest,
  manifestObjectKey,
  parseS3Uri,
  s3Uri,
  toManifestDocument,
} from '../domain/manifest';
import type { BatchingDeps } from './deps';
import { markManifested } from './markManifested';
import type { Lease, TrackedFile } from './ports';

/**
 * Building one manifest is a sequence of writes; each step is idempotent and the commit point is fenced:
 *   1. manifest object in S3 (conditional: never replaced), named with the lease's fencing token
 *   2. commit: MANIFEST# record + window counters + the date's open-manifest mark, in one transaction
 *      that also checks the lock's fencing token
 *   3. files marked manifested, pending markers removed
 *   4. StartExecution named after the manifest id (a repeat returns the same execution)
 *   5. execution recorded, open-manifest mark cleared
 * A crash after 2 leaves the open-manifest mark; the next lock holder or the sweeper resumes from 3 with
 * the same id and the same files (read back from the object). A crash before 2 leaves an object nobody
 * references, and the files still pending.
 */

export class ManifestConflictError extends Error {
  override readonly name = 'ManifestConflictError';
  constructor(readonly key: string) {
    super(`manifest object ${key} already exists with other content; another writer used the same name`);
  }
}

export class ManifestResumeError extends Error {
  override readonly name = 'ManifestResumeError';
  constructor(
    message: string,
    readonly context: Record<string, unknown>,
  ) {
    super(message);
  }
}

export type BuildOutcome = { status: 'started'; manifest: ReportManifest } | { status: 'fenced'; manifestId: string };

export async function buildAndStartManifest(
  deps: BatchingDeps,
  lease: Lease,
  batch: { files: TrackedFile[]; reason: string },
  seq: number,
  after: { oldestPendingAt: string | null; countSeen?: number },
): Promise<BuildOutcome> {
  const date = lease.date;
  const manifest = buildManifest({ date, seq, at: deps.now(), files: batch.files, holder: lease.token });
  const key = manifestObjectKey(date, manifest.name);
  const bucket = deps.config.manifestBucket;
  const written = await deps.objects.putJsonIfAbsent(bucket, key, toManifestDocument(manifest));
  if (written === 'exists') {
    const existing = fromManifestDocument(await deps.objects.getJson(bucket, key));
    if (!sameManifest(existing, manifest)) throw new ManifestConflictError(key);
  }
  const committed = await deps.tracking.commitManifest(lease, manifest, s3Uri(bucket, key), {
    expectedSeq: seq - 1,
    ...after,
  });
  if (committed === 'fenced') {
    // The name carries this lease's token, so no other holder writes or commits it; if no MANIFEST record
    // names it (a commit that went through but whose answer was lost would have written one), nothing ever
    // will, and removing it keeps manifests/ to what was committed.
    if (written === 'created' && !(await deps.tracking.getManifestRecord(date, manifest.name))) await deps.objects.delete(bucket, key);
    deps.log.warn('lease lost before commit; manifest not committed', { manifest: manifest.id, token: lease.token });
    return { status: 'fenced', manifestId: manifest.id };
  }
  deps.metrics.add(Metric.ManifestsCreated, 1);
  return { status: 'started', manifest: await completeManifest(deps, manifest, batch.reason, false) };
}

export async function resumeManifest(deps: BatchingDeps, date: string, name: string): Promise<ReportManifest> {
  const record = await deps.tracking.getManifestRecord(date, name);
  if (!record) {
    throw new ManifestResumeError(`date ${date} marks manifest ${name} as open but it has no MANIFEST record`, { date, name });
  }
  const { bucket, key } = parseS3Uri(record.manifestPath);
  const manifest = fromManifestDocument(await deps.objects.getJson(bucket, key));
  if (manifest.date !== date || manifest.name !== name) {
    throw new ManifestResumeError(`manifest object ${record.manifestPath} describes ${manifest.date}/${manifest.name}`, { date, name });
  }
  deps.log.info('resuming half-built manifest', { manifest: manifest.id });
  deps.metrics.add(Metric.ManifestsResumed, 1);
  return completeManifest(deps, manifest, 'resumed', true);
}

async function completeManifest(deps: BatchingDeps, manifest: Manifest, reason: string, resumed: boolean): Promise<ReportManifest> {
  await markManifested(deps.tracking, manifest);
  const input = executionInput(manifest, deps.config.manifestBucket);
  const { executionArn, alreadyStarted } = await deps.orchestrator.startExecution(manifest.id, input);
  await deps.tracking.finishManifest(manifest, executionArn);
  deps.log.info('manifest started', { manifest: manifest.id, files: manifest.files.length, bytes: manifest.totalBytes, alreadyStarted });
  return {
    manifest_path: input.manifest_path,
    manifest_id: manifest.id,
    date_prefix: manifest.date,
    file_count: manifest.files.length,
    total_bytes: manifest.totalBytes,
    step_function_execution_arn: executionArn,
    reason,
    resumed,
  };
}

function sameManifest(a: Manifest, b: Manifest): boolean {
  return a.id === b.id && a.files.length === b.files.length && a.files.every((f, i) => f.key === b.files[i]?.key);
}
