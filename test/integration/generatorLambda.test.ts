import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { seededRandom } from '../../handlers/domain/generator';
import { parseInputKey } from '../../handlers/domain/names';
import { GENERATOR_ENV, type GeneratorDeps, GeneratorPayloadError, runGenerator } from '../../handlers/generator';
import { lambdaEnvironment, type RuntimeConfig } from '../../handlers/runtimeConfig';
import { createLocalClients } from '../../local/localClients';

async function deps(overrides: Partial<GeneratorDeps> = {}) {
  const s3 = createLocalClients(inject('emulatorEndpoint'), 'us-east-1').s3;
  const bucket = `gen-${randomUUID().slice(0, 8)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const pauses: number[] = [];
  const clock = { now: new Date('2026-01-30T23:59:58Z') };
  const value: GeneratorDeps = {
    s3,
    bucket,
    prefix: 'pipeline/input/',
    now: () => clock.now,
    sleep: async (ms) => {
      pauses.push(ms);
      clock.now = new Date(clock.now.getTime() + ms);
    },
    random: seededRandom('lambda'),
    ...overrides,
  };
  return { deps: value, pauses, s3, bucket };
}

describe('generator Lambda', () => {
  it('uploads file_count seed-named files of today (UTC) under the input prefix and summarises them', async () => {
    // Prepare
    const { deps: d, s3, bucket } = await deps();

    // Act
    const summary = await runGenerator({ file_count: 3, target_size_mb: 0.01 }, d);

    // Assert
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
    expect(keys).toHaveLength(3);
    expect(keys.every((k) => parseInputKey(k).ok && k.startsWith('pipeline/input/2026-01-30-test000'))).toBe(true);
    expect(summary).toMatchObject({
      status: 'success',
      files_created: 3,
      date_prefix: '2026-01-30',
      ingestion_rate: 'immediate',
      delay_seconds: 0,
    });
    expect(summary.files.map((f) => f.key).sort()).toEqual(keys);
    const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: keys[0] }))).Body!.transformToString();
    expect(Buffer.byteLength(body)).toBeGreaterThanOrEqual(0.01 * 1024 * 1024);
    expect(summary.total_records).toBe(summary.files.reduce((n, f) => n + f.records, 0));
  });

  it('paces uploads by ingestion_rate, lets delay_seconds win, and honours date_prefix', async () => {
    // Prepare
    const medium = await deps();
    const explicit = await deps();
    const random = await deps();

    // Act
    await runGenerator({ file_count: 3, ingestion_rate: 'medium', target_size_mb: 0.001 }, medium.deps);
    const summary = await runGenerator(
      { file_count: 3, ingestion_rate: 'slow', delay_seconds: 2.5, date_prefix: '2025-12-20', target_size_mb: 0.001 },
      explicit.deps,
    );
    await runGenerator({ file_count: 6, ingestion_rate: 'random', target_size_mb: 0.001 }, random.deps);

    // Assert
    expect(medium.pauses).toEqual([5000, 5000]);
    expect(explicit.pauses).toEqual([2500, 2500]);
    expect(summary.date_prefix).toBe('2025-12-20');
    expect(summary.files.every((f) => f.key.startsWith('pipeline/input/2025-12-20-'))).toBe(true);
    expect(random.pauses).toHaveLength(5);
    expect(random.pauses.every((ms) => ms >= 1000 && ms <= 10_000)).toBe(true);
  });

  it('rejects an invalid payload with every problem named', async () => {
    // Prepare
    const { deps: d } = await deps();

    // Act
    const error = await runGenerator({ file_count: 0, ingestion_rate: 'warp', date_prefix: '2026-02-30' }, d).catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(GeneratorPayloadError);
    expect((error as GeneratorPayloadError).issues.map((i) => i.split(':')[0]).sort()).toEqual([
      'date_prefix',
      'file_count',
      'ingestion_rate',
    ]);
  });

  it('reads the same environment names the stack sets for the batcher', () => {
    // Prepare
    const env = lambdaEnvironment({ inputBucket: 'in-bucket', inputPrefix: 'pipeline/input/' } as RuntimeConfig);

    // Act
    const names = Object.values(GENERATOR_ENV);

    // Assert
    expect(names.map((n) => env[n])).toEqual(['in-bucket', 'pipeline/input/']);
  });
});
