import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { LIST_PRICES } from '../../contracts/prices';
import type { PipelineTarget } from '../../operator/target/pipelineTarget';
import { localTarget } from '../../operator/target/resolveTarget';
import type { BatcherFixture } from './batcherFixture';

/** The operator's local target over a batcher fixture's table, buckets and stream (the emulator's endpoint). */
export function fixtureTarget(fx: BatcherFixture, extra: Partial<Parameters<typeof localTarget>[0]> = {}): PipelineTarget {
  return localTarget({
    endpoint: inject('emulatorEndpoint'),
    region: fx.resources.region,
    config: fx.config,
    streamName: fx.resources.streamName,
    outputPrefix: 'pipeline/output/',
    rejectsPrefix: 'pipeline/rejects/',
    dashboardUrl: null,
    prices: LIST_PRICES,
    ...extra,
  });
}

/**
 * Marks the date's one MANIFEST record completed, as the state machine's MarkCompleted would (no Spark runs in
 * the integration project), and returns it with its completion time.
 */
export async function completeOnlyManifest(
  fx: BatcherFixture,
  date: string,
): Promise<{ manifest: Record<string, unknown>; completedAt: string }> {
  const manifest = (await fx.itemsOf(date)).find((i) => String(i.file_key).startsWith('MANIFEST#'));
  if (!manifest) throw new Error(`no MANIFEST record for ${date}`);
  const completedAt = new Date().toISOString();
  await fx.clients.dynamo.send(
    new UpdateCommand({
      TableName: fx.config.tableName,
      Key: { date_prefix: date, file_key: manifest.file_key },
      UpdateExpression: 'SET #s = :c, completed_time = :t, updated_at = :t',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':c': 'completed', ':t': completedAt },
    }),
  );
  return { manifest, completedAt };
}
