import { Metric } from '../../contracts/metrics';
import { UNDATED_PARTITION } from '../../contracts/trackingSchema';
import { s3Uri } from '../domain/manifest';
import { QUARANTINE_REASONS, type QuarantineReason } from '../domain/names';
import type { ObjectCreated } from '../domain/s3Event';
import type { BatchingDeps } from './deps';

export type QuarantineOutcome = 'quarantined' | 'already-quarantined' | 'source-missing';

/**
 * Moves an invalid object to the quarantine bucket under the same key, with the reason in its metadata
 * and a QUARANTINE# record in the tracking table, so nothing invalid is ever silently dropped.
 */
export async function quarantineFile(
  deps: BatchingDeps,
  event: ObjectCreated,
  reason: QuarantineReason,
  date: string | undefined,
): Promise<QuarantineOutcome> {
  const target = { bucket: deps.config.quarantineBucket, key: event.key };
  const detail = QUARANTINE_REASONS[reason];
  const moved = await deps.objects.moveObject({ bucket: event.bucket, key: event.key, sizeBytes: event.sizeBytes }, target, {
    'quarantine-reason': reason,
    'quarantine-detail': detail,
    'source-bucket': event.bucket,
  });
  const record = () =>
    deps.tracking.recordQuarantine({
      date: date ?? UNDATED_PARTITION,
      sourceKey: event.key,
      sourceBucket: event.bucket,
      quarantinePath: s3Uri(target.bucket, target.key),
      reason,
      detail,
      sizeBytes: event.sizeBytes,
    });
  if (moved === 'source-missing') {
    // A redelivered event for an object we already moved, or an object deleted before we got to it. An
    // attempt that crashed between the move and the record left the object in quarantine unrecorded: the
    // record is written now, so every quarantined object has one.
    if (await deps.objects.exists(target.bucket, target.key)) {
      await record();
      return 'already-quarantined';
    }
    deps.log.warn('object named in an event no longer exists; nothing to quarantine', { key: event.key, reason });
    deps.metrics.add(Metric.ObjectsMissing, 1);
    return 'source-missing';
  }
  await record();
  deps.metrics.add(Metric.FilesQuarantined, 1);
  deps.log.warn('file quarantined', { key: event.key, reason, detail });
  return 'quarantined';
}
