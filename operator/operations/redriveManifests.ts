import { itemOfKind, MANIFEST_STATUS, manifestKey } from '../../contracts/trackingSchema';
import { S3ObjectStore } from '../../handlers/adapters/s3ObjectStore';
import { SfnOrchestrator } from '../../handlers/adapters/sfnOrchestrator';
import { executionInput, fromManifestDocument, parseS3Uri } from '../../handlers/domain/manifest';
import { ManifestRedriveStore } from '../adapters/manifestRedriveStore';
import { TrackingReader } from '../adapters/trackingReader';
import { NotFoundError, OperationFailedError, RefusedError, UsageError } from '../operatorError';
import type { PipelineTarget } from '../target/pipelineTarget';
import { checkDate, collectStatus } from './collectStatus';
import { type ManifestView, manifestView } from './dateStatus';

/**
 * Re-runs manifests whose conversion failed: a new execution of the same state machine with the same
 * input, named `<manifest id>-redrive-<n>` (an execution name is never reused). The Glue job writes a
 * manifest's Parquet under names derived from the manifest id and replaces them whole, so a redrive
 * leaves the rows of one successful run, never two.
 */

export interface RedriveOutcome {
  date: string;
  manifest: string;
  manifestId: string;
  status: 'started' | 'skipped';
  executionName?: string;
  executionArn?: string;
  reason?: string;
}

/** `2026-01-30-batch-0001-20260130-084800`, `batch-0001-….json` (with --date), `manifests/<date>/batch-….json` or its s3:// URI. */
export function parseManifestRef(ref: string, date?: string): { date: string; name: string } {
  const path = /(?:^|\/)manifests\/(\d{4}-\d{2}-\d{2})\/(batch-[^/]+\.json)$/.exec(ref);
  if (path) return { date: path[1] as string, name: path[2] as string };
  const id = /^(\d{4}-\d{2}-\d{2})-(batch-.+?)(\.json)?$/.exec(ref);
  if (id) return { date: id[1] as string, name: `${id[2]}.json` };
  if (/^batch-.+/.test(ref)) {
    if (!date)
      throw new UsageError(
        `${ref} is a manifest name without its date: add --date YYYY-MM-DD, or give the manifest id (<date>-${ref.replace(/\.json$/, '')})`,
      );
    return { date: checkDate(date), name: ref.endsWith('.json') ? ref : `${ref}.json` };
  }
  throw new UsageError(`"${ref}" is not a manifest id (2026-01-30-batch-0001-20260130-084800), name or path`);
}

async function redriveOne(
  target: PipelineTarget,
  manifest: ManifestView,
  options: { force: boolean; now: () => Date },
): Promise<RedriveOutcome> {
  const base = { date: manifest.date, manifest: manifest.name, manifestId: manifest.id };
  if (manifest.status === MANIFEST_STATUS.completed) return { ...base, status: 'skipped', reason: 'completed: nothing to redrive' };
  if (manifest.status !== MANIFEST_STATUS.failed && !options.force) {
    return {
      ...base,
      status: 'skipped',
      reason: `${manifest.status}, not failed (its execution may still be running; --force redrives a stuck one)`,
    };
  }
  if (!manifest.manifestPath) throw new OperationFailedError(`manifest ${manifest.id} has no manifest_path in its record`);
  const { bucket, key } = parseS3Uri(manifest.manifestPath);
  const document = fromManifestDocument(await new S3ObjectStore(target.clients.s3).getJson(bucket, key));
  if (document.id !== manifest.id || document.date !== manifest.date) {
    throw new OperationFailedError(`manifest object ${manifest.manifestPath} describes ${document.id}, not ${manifest.id}`);
  }
  const store = new ManifestRedriveStore(target.clients.dynamo, target.config.tableName);
  const redrive = await store.claim(manifest.date, manifest.name, manifest.status, manifest.redrives, options.now());
  if (redrive === null)
    return { ...base, status: 'skipped', reason: 'the record changed meanwhile (another redrive, or the execution moved on)' };
  const executionName = `${manifest.id}-redrive-${redrive}`;
  try {
    const started = await new SfnOrchestrator(target.clients.sfn, target.config.stateMachineArn).startExecution(
      executionName,
      executionInput(document, target.config.manifestBucket),
    );
    return { ...base, status: 'started', executionName, executionArn: started.executionArn };
  } catch (error) {
    await store.release(
      manifest.date,
      manifest.name,
      redrive,
      `redrive ${redrive} could not start: ${(error as Error).message}`,
      options.now(),
    );
    throw error;
  }
}

export async function redriveManifest(
  target: PipelineTarget,
  ref: string,
  options: { date?: string; force: boolean; now: () => Date },
): Promise<RedriveOutcome> {
  const { date, name } = parseManifestRef(ref, options.date);
  const item = await new TrackingReader(target.clients.dynamo, target.config.tableName).item(date, manifestKey(name));
  const record = itemOfKind(item, 'manifest');
  const manifest = record ? manifestView(record) : null;
  if (!manifest) throw new NotFoundError(`no manifest ${name} for ${date} in ${target.description}`);
  const outcome = await redriveOne(target, manifest, options);
  if (outcome.status === 'skipped') throw new RefusedError(`manifest ${manifest.id} not redriven: ${outcome.reason}`);
  return outcome;
}

export async function redriveFailed(target: PipelineTarget, options: { date?: string; now: () => Date }): Promise<RedriveOutcome[]> {
  const statuses = await collectStatus(target, { ...(options.date ? { date: options.date } : {}), now: options.now() });
  const failed = statuses.flatMap((d) => d.manifests.list.filter((m) => m.status === MANIFEST_STATUS.failed));
  const outcomes: RedriveOutcome[] = [];
  for (const manifest of failed) outcomes.push(await redriveOne(target, manifest, { force: false, now: options.now }));
  return outcomes;
}
